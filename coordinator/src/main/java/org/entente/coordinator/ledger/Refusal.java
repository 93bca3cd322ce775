package org.entente.coordinator.ledger;

/**
 * Why a receipt, entry or checkpoint was refused: the rule it broke and the detail a person needs
 * to find it. Immutable.
 *
 * @param rule a short stable name ({@code agent-signature}, {@code over-claim}, ...)
 */
public record Refusal(String rule, String detail) {
  @Override
  public String toString() {
    return rule + ": " + detail;
  }
}
