package org.entente.cli.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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

/** {@code entente artifact put}: upload a file to the store. */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description =
        "Upload a file (operator or node certificate). It is hashed first; the replica checks the"
            + " SHA-256 and size, stores it and copies it to every other replica before answering."
            + " Prints its URI for job specs (model.uri, data[i].uri), its sha256, size and the"
            + " replicas holding it. Progress of large files goes to stderr.")
public final class PutCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The file to upload.")
  Path file;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws InterruptedException {
    if (!Files.isRegularFile(file)) {
      throw new UserException(ExitCodes.INVALID, file + ": no such file");
    }
    var err = spec.commandLine().getErr();
    ArtifactInfo info;
    try (FederationClient c = client.open()) {
      long size = Files.size(file);
      info =
          c.withChannel(
              ch ->
                  new ArtifactClient(() -> ch)
                      .put(
                          file,
                          new ArtifactText.Progress(err, "uploading " + file.getFileName(), size)));
    } catch (NoSuchFileException e) {
      throw new UserException(ExitCodes.INVALID, file + ": no such file");
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, file + ": " + e.getMessage());
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Output.json(w, ArtifactText.json(info));
    } else {
      ArtifactText.print(w, info);
    }
    if (info.getReplicasCount() < 2) {
      err.println(
          "entente: note: only "
              + String.join(", ", info.getReplicasList())
              + " holds a copy; no other replica could be reached, so it is not yet protected"
              + " against the loss of that replica");
      err.flush();
    }
    return ExitCodes.OK;
  }
}
