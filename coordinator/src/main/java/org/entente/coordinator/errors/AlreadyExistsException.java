package org.entente.coordinator.errors;

/** The caller asked to create what exists already (maps to {@code ALREADY_EXISTS}). */
public final class AlreadyExistsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(String message) {
    super(message, null, false, false);
  }
}
