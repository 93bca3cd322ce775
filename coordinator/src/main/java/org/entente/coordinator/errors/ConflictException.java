package org.entente.coordinator.errors;

/**
 * The request conflicts with newer state (a stale revocation list); maps to FAILED_PRECONDITION.
 */
public final class ConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message, null, false, false);
  }
}
