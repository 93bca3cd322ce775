package org.entente.coordinator.errors;

/** The caller is authenticated but may not do this; maps to PERMISSION_DENIED. */
public final class ForbiddenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ForbiddenException(String message) {
    super(message, null, false, false);
  }
}
