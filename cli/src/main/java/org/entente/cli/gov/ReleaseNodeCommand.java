package org.entente.cli.gov;

import org.entente.proto.v1.Change;
import org.entente.proto.v1.ReleaseNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code entente gov propose release}. */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description =
        "Propose releasing a node from quarantine (governed, or set by the leader after a"
            + " verification verdict).")
public final class ReleaseNodeCommand extends ProposalCommand {
  @Parameters(paramLabel = "NATION/NODE", description = "The node, e.g. DE/gpu-01.")
  String node;

  @Override
  Change change() {
    return Change.newBuilder()
        .setRelease(ReleaseNode.newBuilder().setNode(GovText.node(node)))
        .build();
  }
}
