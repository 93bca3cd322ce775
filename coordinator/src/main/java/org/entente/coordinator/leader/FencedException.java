package org.entente.coordinator.leader;

/**
 * A write was refused because this replica's fencing epoch is no longer current: another replica
 * leads now. Maps to UNAVAILABLE; the caller should go to the current leader.
 */
public final class FencedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FencedException(String message) {
    super(message, null, false, false);
  }
}
