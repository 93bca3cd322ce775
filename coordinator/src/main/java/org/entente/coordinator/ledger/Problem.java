package org.entente.coordinator.ledger;

/**
 * An entry of the log that breaks a rule. Immutable.
 *
 * @param index the entry's position in the log (-1 for the log as a whole or a checkpoint)
 */
public record Problem(long index, String rule, String detail) {
  @Override
  public String toString() {
    return (index >= 0 ? "entry " + index + ": " : "") + rule + ": " + detail;
  }
}
