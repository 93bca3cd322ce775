package org.entente.cli.gov;

import org.entente.proto.v1.Change;
import org.entente.proto.v1.SetThreshold;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code entente gov propose set-threshold}. */
@Command(
    name = "set-threshold",
    mixinStandardHelpOptions = true,
    description =
        "Propose how many distinct member nations must approve a proposal: 1 to every member, or"
            + " 0 for a strict majority of the members at the time each proposal is decided.")
public final class SetThresholdCommand extends ProposalCommand {
  @Parameters(paramLabel = "N", description = "Nations needed; 0 = a strict majority.")
  String threshold;

  @Override
  Change change() {
    long n = GovText.whole("N", threshold, 0);
    if (n > Integer.MAX_VALUE) {
      throw new org.entente.cli.UserException(
          org.entente.cli.ExitCodes.INVALID, "N: " + n + " is more nations than there can be");
    }
    return Change.newBuilder()
        .setSetThreshold(SetThreshold.newBuilder().setThreshold((int) n))
        .build();
  }
}
