package org.entente.cli.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.UserException;
import org.entente.coordinator.ledger.Problem;
import org.entente.coordinator.ledger.ProofCheck;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.security.Pem;
import org.entente.security.TrustBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente ledger verify-proof FILE}: checks a proof offline, with the trust bundle only. */
@Command(
    name = "verify-proof",
    mixinStandardHelpOptions = true,
    description = {
      "Check an inclusion proof offline: no network, only the member nations' root certificates.",
      "Valid when the checkpoint is signed by a member coordinator and cosigned by a majority of"
          + " nations, the entry and its seal are in that tree, the leader's seal covers it, and"
          + " the node's own signature on the receipt holds. Exits 8 otherwise."
    })
public final class VerifyProofCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "A proof written by `entente ledger proof`.")
  Path file;

  @Option(
      names = "--trust",
      paramLabel = "DIR",
      required = true,
      description = "Directory of the member nations' root certificates (*.pem).")
  Path trust;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() {
    TrustBundle bundle = bundle(trust);
    InclusionProof.Builder b = InclusionProof.newBuilder();
    try {
      JsonFormat.parser().merge(Files.readString(file), b);
    } catch (InvalidProtocolBufferException e) {
      throw new UserException(ExitCodes.INVALID, file + " is not a proof: " + e.getMessage());
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "cannot read " + file + ": " + e.getMessage());
    }
    ProofCheck.Result r = ProofCheck.verify(b.build(), bundle);
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("valid", r.valid());
    doc.put("index", b.getIndex());
    if (r.checkpoint() != null) {
      doc.put("treeSize", r.checkpoint().getTreeSize());
      doc.put("logId", r.checkpoint().getLogId());
    }
    LedgerEntry e = r.entry();
    if (e != null && e.hasReceipt()) {
      Observation o = e.getReceipt().getObserved();
      doc.put("receipt", o.getReceiptId());
      doc.put("node", o.getNode());
      doc.put("chargedNation", o.getChargedNation());
      doc.put("creditedGpuHours", GpuHours.of(o.getCreditedGpuMs()));
      doc.put("leaderOnly", o.getLeaderOnly());
    } else if (e != null && e.hasProvenance()) {
      doc.put("model", e.getProvenance().getModelSha256());
      doc.put("job", e.getProvenance().getJobId());
    }
    doc.put("problems", r.problems().stream().map(Problem::toString).toList());
    if (json) {
      Output.json(out, doc);
    } else if (r.valid()) {
      out.printf(
          "proof valid: entry %d is in the log %s of %d entries cosigned by a majority%n",
          b.getIndex(), doc.get("logId"), doc.get("treeSize"));
      if (doc.containsKey("receipt")) {
        out.printf(
            "  receipt %s ran on %s for %s: %s GPU-h%s%n",
            doc.get("receipt"),
            doc.get("node"),
            doc.get("chargedNation"),
            GpuHours.text(e.getReceipt().getObserved().getCreditedGpuMs()),
            e.getReceipt().getObserved().getLeaderOnly() ? " (leader-only closure)" : "");
      }
    } else {
      out.println("PROOF INVALID:");
      r.problems().forEach(p -> out.println("  " + p));
    }
    out.flush();
    return r.valid() ? ExitCodes.OK : ExitCodes.VERIFY_FAILED;
  }

  static TrustBundle bundle(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserException(ExitCodes.INVALID, "--trust: " + dir + " is not a directory");
    }
    List<X509Certificate> roots = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pem")) {
      for (Path f : files) {
        roots.addAll(Pem.readCertificates(f));
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "--trust: " + e.getMessage());
    }
    if (roots.isEmpty()) {
      throw new UserException(ExitCodes.INVALID, "--trust: no *.pem root certificates in " + dir);
    }
    try {
      return TrustBundle.of(roots);
    } catch (IllegalArgumentException ex) {
      throw new UserException(ExitCodes.INVALID, "--trust: " + ex.getMessage());
    }
  }
}
