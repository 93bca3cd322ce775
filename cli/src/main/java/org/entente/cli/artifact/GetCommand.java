package org.entente.cli.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.entente.agent.artifacts.ArtifactClient;
import org.entente.agent.shards.ArtifactException;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente artifact get}: download stored content, verified. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description =
        "Download an artifact to FILE. The content is checked against its SHA-256 before FILE is"
            + " written (atomically); on a mismatch nothing is written.")
public final class GetCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      paramLabel = "SHA256",
      description = "The artifact's digest, or its entente:artifacts/<sha256> URI.")
  String digest;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Where to write it (replaced if it exists).")
  Path output;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws InterruptedException {
    String sha = ArtifactText.digest(digest);
    Path target = output.toAbsolutePath();
    if (Files.isDirectory(target)) {
      throw new UserException(ExitCodes.INVALID, "-o " + output + ": is a directory; name a file");
    }
    if (!Files.isDirectory(target.getParent())) {
      throw new UserException(
          ExitCodes.INVALID,
          "-o " + output + ": directory " + target.getParent() + " does not exist");
    }
    var err = spec.commandLine().getErr();
    long size;
    try (FederationClient c = client.open()) {
      size =
          c.withChannel(
              ch -> {
                ArtifactClient store = new ArtifactClient(() -> ch);
                // The size first, to show progress; a replica without the content fetches it now.
                long expected = store.stat(sha).getSizeBytes();
                return store.get(
                    sha,
                    target,
                    new ArtifactText.Progress(
                        err, "downloading " + sha.substring(0, 12), expected));
              });
    } catch (ArtifactException e) {
      throw new UserException(ExitCodes.FAILURE, e.getMessage() + "; nothing was written");
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "-o " + output + ": " + e.getMessage());
    }
    var w = spec.commandLine().getOut();
    w.println(output + ": " + ArtifactText.size(size) + ", sha256 " + sha + " verified");
    w.flush();
    return ExitCodes.OK;
  }
}
