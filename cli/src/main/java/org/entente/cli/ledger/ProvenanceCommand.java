package org.entente.cli.ledger;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.coordinator.ledger.Problem;
import org.entente.coordinator.ledger.ProofCheck;
import org.entente.proto.v1.GetProofRequest;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.PartitionDigest;
import org.entente.proto.v1.ProvenanceEntry;
import org.entente.security.Sha256;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente ledger provenance MODEL-DIGEST}: where a model came from and who paid for it. */
@Command(
    name = "provenance",
    mixinStandardHelpOptions = true,
    description = {
      "Show where a trained model came from (code, data per partition, rounds) and the GPU-hours"
          + " each nation contributed to it, from the ledger, verified against the checkpoint a"
          + " majority of nations cosigned."
    })
public final class ProvenanceCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "MODEL-DIGEST", description = "The model's SHA-256")
  String digest;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    if (!Sha256.isDigest(digest)) {
      throw new UserException(
          ExitCodes.INVALID,
          "MODEL-DIGEST: expected 64 lowercase hex characters, got " + Sha256.quote(digest));
    }
    InclusionProof p;
    try (FederationClient c = client.open()) {
      p = c.ledger(s -> s.getProof(GetProofRequest.newBuilder().setReceiptId(digest).build()));
    }
    ProofCheck.Result r = ProofCheck.verify(p, client.trust());
    if (!r.valid()) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("the provenance entry does not verify:");
      r.problems().forEach(x -> err.println("  " + x));
      err.flush();
      return ExitCodes.VERIFY_FAILED;
    }
    if (r.entry() == null || !r.entry().hasProvenance()) {
      throw new UserException(ExitCodes.NOT_FOUND, "no provenance entry for model " + digest);
    }
    ProvenanceEntry e = r.entry().getProvenance();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("model", e.getModelSha256());
      doc.put("sizeBytes", e.getModelSizeBytes());
      doc.put("job", e.getJobId());
      doc.put("chargedNation", e.getChargedNation());
      doc.put("runner", e.getRunner());
      doc.put("architecture", e.getArchitecture());
      doc.put("parameters", new java.util.TreeMap<>(e.getArchitectureParametersMap()));
      doc.put("rounds", e.getRounds());
      doc.put(
          "data",
          e.getDataList().stream()
              .map(
                  d ->
                      Map.of(
                          "shard",
                          d.getShard(),
                          "sha256",
                          d.getSha256(),
                          "jurisdiction",
                          d.getJurisdiction()))
              .toList());
      Map<String, Double> hours = new java.util.TreeMap<>();
      e.getGpuMsByNationMap().forEach((n, ms) -> hours.put(n, GpuHours.of(ms)));
      doc.put("gpuHoursByNation", hours);
      Map<String, Double> cpuHours = new java.util.TreeMap<>();
      e.getCpuMsByNationMap().forEach((n, ms) -> cpuHours.put(n, GpuHours.of(ms)));
      doc.put("cpuHoursByNation", cpuHours);
      doc.put("receipts", e.getReceiptIdsList());
      doc.put("ledgerIndex", p.getIndex());
      doc.put("verified", r.problems().stream().map(Problem::toString).toList().isEmpty());
      Output.json(out, doc);
      return ExitCodes.OK;
    }
    out.printf(
        "model %s (%d bytes), ledger entry %d, verified%n",
        e.getModelSha256(), e.getModelSizeBytes(), p.getIndex());
    out.printf(
        "  job %s, charged to %s, %d rounds%n", e.getJobId(), e.getChargedNation(), e.getRounds());
    out.printf(
        "  code: runner %s, architecture %s %s%n",
        e.getRunner(),
        e.getArchitecture(),
        new java.util.TreeMap<>(e.getArchitectureParametersMap()));
    for (PartitionDigest d : e.getDataList()) {
      out.printf(
          "  data[%d]: %s%s%n",
          d.getShard(),
          d.getSha256(),
          d.getJurisdiction().isEmpty() ? "" : " (" + d.getJurisdiction() + ")");
    }
    List<String> paid = new java.util.ArrayList<>();
    new java.util.TreeMap<>(e.getGpuMsByNationMap())
        .forEach((n, ms) -> paid.add(n + " " + GpuHours.text(ms) + " GPU-h"));
    new java.util.TreeMap<>(e.getCpuMsByNationMap())
        .forEach((n, ms) -> paid.add(n + " " + GpuHours.text(ms) + " CPU-h"));
    out.printf(
        "  paid with: %s (%d receipts)%n",
        paid.isEmpty() ? "nothing credited" : String.join(", ", paid), e.getReceiptIdsCount());
    out.flush();
    return ExitCodes.OK;
  }
}
