package org.entente.cli;

import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.ReleaseNodeRequest;
import org.entente.proto.v1.ReleaseNodeResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente release}: let a quarantined node of another nation take work again. */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    description = {
      "Release a node from quarantine (operator certificate of another nation than the node's).",
      "A node is quarantined when replicated runs found its result wrong; the release is a ledger"
          + " entry naming you and your reason. Exit 0 also when the node was not quarantined."
    })
public final class ReleaseCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "NATION/NODE", description = "For example DE/gpu-01.")
  String target;

  @Option(
      names = "--reason",
      required = true,
      description = "Why the node may work again (kept in the ledger).")
  String reason;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    int slash = target.indexOf('/');
    if (slash <= 0 || slash == target.length() - 1) {
      throw new UserException(
          ExitCodes.INVALID, "node must be written NATION/NODE, for example DE/gpu-01");
    }
    ReleaseNodeResponse r;
    try (FederationClient c = client.open()) {
      r =
          c.jobs(
              s ->
                  s.releaseNode(
                      ReleaseNodeRequest.newBuilder().setNode(target).setReason(reason).build()));
    }
    spec.commandLine()
        .getOut()
        .printf(
            r.getReleased()
                ? "%s is released from quarantine%n"
                : "%s was not quarantined; nothing changed%n",
            r.getNode());
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
