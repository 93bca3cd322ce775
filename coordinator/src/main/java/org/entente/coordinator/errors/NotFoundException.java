package org.entente.coordinator.errors;

/** The named thing does not exist; maps to NOT_FOUND. */
public final class NotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message, null, false, false);
  }
}
