package org.entente.cli.gov;

import org.entente.proto.v1.Change;
import org.entente.proto.v1.RemoveNation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code entente gov propose remove-nation}. */
@Command(
    name = "remove-nation",
    mixinStandardHelpOptions = true,
    description =
        "Propose that a member nation leave: its root leaves the trust bundle, its streams are cut"
            + " and its nodes' shards requeue.")
public final class RemoveNationCommand extends ProposalCommand {
  @Parameters(paramLabel = "NATION", description = "The member nation, e.g. DE.")
  String nation;

  @Override
  Change change() {
    return Change.newBuilder()
        .setRemoveNation(RemoveNation.newBuilder().setNation(GovText.nation("NATION", nation)))
        .build();
  }
}
