package org.entente.cli.ledger;

import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.GetProofRequest;
import org.entente.proto.v1.InclusionProof;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente ledger proof ID}: an inclusion proof anyone can check offline. */
@Command(
    name = "proof",
    mixinStandardHelpOptions = true,
    description = {
      "Print the inclusion proof of a receipt (JOB/SHARD#ATTEMPT) or of a model's provenance"
          + " (its SHA-256) under the checkpoint a majority of nations cosigned.",
      "A third party checks it offline with `entente ledger verify-proof FILE`."
    })
public final class ProofCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "JOB/SHARD#ATTEMPT, or a model's SHA-256")
  String id;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the proof here (JSON).")
  Path out;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws IOException {
    InclusionProof p;
    try (FederationClient c = client.open()) {
      p = c.ledger(s -> s.getProof(GetProofRequest.newBuilder().setReceiptId(id).build()));
    }
    String text = JsonFormat.printer().print(p);
    if (out != null) {
      try {
        Files.writeString(out, text + "\n");
      } catch (IOException e) {
        throw new UserException(
            ExitCodes.INVALID, "--out: cannot write " + out + ": " + e.getMessage());
      }
      spec.commandLine()
          .getOut()
          .printf("proof of %s (entry %d) written to %s%n", id, p.getIndex(), out);
    } else {
      spec.commandLine().getOut().println(text);
    }
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
