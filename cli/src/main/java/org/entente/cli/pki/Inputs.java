package org.entente.cli.pki;

import java.util.function.UnaryOperator;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;

/** Turns validation failures of command-line values into INVALID errors naming the option. */
final class Inputs {
  private Inputs() {}

  static <T> T check(String option, T value, UnaryOperator<T> validator) {
    try {
      return validator.apply(value);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, option + ": " + e.getMessage());
    }
  }
}
