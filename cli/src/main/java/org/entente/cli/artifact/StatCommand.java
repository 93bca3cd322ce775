package org.entente.cli.artifact;

import java.util.concurrent.Callable;
import org.entente.agent.artifacts.ArtifactClient;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.ArtifactInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente artifact stat}: is it stored, how large, where. */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description =
        "Show a stored artifact's URI, size and the replicas known to hold it; exits 5 when no"
            + " replica holds it.")
public final class StatCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      paramLabel = "SHA256",
      description = "The artifact's digest, or its entente:artifacts/<sha256> URI.")
  String digest;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws InterruptedException {
    String sha = ArtifactText.digest(digest);
    ArtifactInfo info;
    try (FederationClient c = client.open()) {
      info = c.withChannel(ch -> new ArtifactClient(() -> ch).stat(sha));
    } catch (java.io.IOException e) {
      throw new UserException(ExitCodes.FAILURE, e.getMessage());
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Output.json(w, ArtifactText.json(info));
    } else {
      ArtifactText.print(w, info);
    }
    return ExitCodes.OK;
  }
}
