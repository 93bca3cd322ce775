package org.entente.cli.gov;

import java.io.PrintWriter;
import java.util.List;
import org.entente.cli.ExitCodes;

/**
 * What a replica refused to follow (chain entries without valid approvals, governed znodes edited
 * by hand): printed to stderr under one heading, and an exit status scripts can test.
 */
final class Alarms {
  static final String HEADING = "REFUSED BY THIS REPLICA";

  private Alarms() {}

  /** Prints {@code alarms} (if any) to {@code err}; the exit status they mean. */
  static int report(PrintWriter err, List<String> alarms, boolean print) {
    if (alarms.isEmpty()) {
      return ExitCodes.OK;
    }
    if (print) {
      err.println(HEADING);
      alarms.forEach(a -> err.println("  " + a));
      err.flush();
    }
    return ExitCodes.VERIFY_FAILED;
  }
}
