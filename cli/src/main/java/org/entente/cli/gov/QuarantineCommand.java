package org.entente.cli.gov;

import org.entente.proto.v1.Change;
import org.entente.proto.v1.QuarantineNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code entente gov propose quarantine}. */
@Command(
    name = "quarantine",
    mixinStandardHelpOptions = true,
    description = "Propose taking a node off the pool until it is released.")
public final class QuarantineCommand extends ProposalCommand {
  @Parameters(paramLabel = "NATION/NODE", description = "The node, e.g. DE/gpu-01.")
  String node;

  @Override
  Change change() {
    return Change.newBuilder()
        .setQuarantine(QuarantineNode.newBuilder().setNode(GovText.node(node)))
        .build();
  }
}
