package org.entente.coordinator.errors;

/**
 * This replica cannot serve the call now (ZooKeeper unreachable, not the leader); maps to
 * UNAVAILABLE so clients retry, possibly on another replica.
 */
public final class UnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(String message) {
    super(message, null, false, false);
  }
}
