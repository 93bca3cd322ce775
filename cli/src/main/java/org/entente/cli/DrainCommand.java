package org.entente.cli;

import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.DrainNodeRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente drain}: stop giving a node of your nation new work. */
@Command(
    name = "drain",
    mixinStandardHelpOptions = true,
    description = "Drain a node of your own nation (operator certificate).")
public final class DrainCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "NATION/NODE", description = "For example DE/gpu-01.")
  String target;

  @Option(
      names = "--reason",
      defaultValue = "",
      description = "Shown to the node's agent and in logs.")
  String reason;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    int slash = target.indexOf('/');
    if (slash <= 0 || slash == target.length() - 1) {
      throw new UserException(
          ExitCodes.INVALID, "node must be written NATION/NODE, for example DE/gpu-01");
    }
    try (FederationClient c = client.open()) {
      c.call(
          s ->
              s.drainNode(
                  DrainNodeRequest.newBuilder()
                      .setNation(target.substring(0, slash))
                      .setName(target.substring(slash + 1))
                      .setReason(reason)
                      .build()));
    }
    spec.commandLine().getOut().printf("%s is draining%n", target);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
