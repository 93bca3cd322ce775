package org.entente.coordinator.ledger;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ProvenanceEntry;
import org.entente.security.Sha256;

/**
 * The audit of provenance entries (split from {@link LogVerifier}): a model's digest is a SHA-256,
 * every receipt the entry names is an earlier closure of the same job, and the GPU- and CPU-time it
 * states per nation is exactly what those receipts credit. Keeps the entries that hold, by model
 * digest. Not thread-safe.
 */
final class ProvenanceAudit {
  private final Map<String, Long> index = new TreeMap<>();
  private final Map<String, ProvenanceEntry> entries = new TreeMap<>();

  /** Checks the entry at {@code at}; null when it holds (and is kept), else why not. */
  Problem check(long at, ProvenanceEntry p, Function<String, Observation> observations) {
    if (!Sha256.isDigest(p.getModelSha256())) {
      return problem(at, "the model digest is not a SHA-256");
    }
    Map<String, Long> gpu = new TreeMap<>();
    Map<String, Long> cpu = new TreeMap<>();
    for (String id : p.getReceiptIdsList()) {
      Observation o = observations.apply(id);
      if (o == null) {
        return problem(
            at,
            "provenance of "
                + p.getJobId()
                + " names receipt "
                + id
                + " that no earlier entry holds");
      }
      if (!o.getJobId().equals(p.getJobId())) {
        return problem(at, "receipt " + id + " is not of job " + p.getJobId());
      }
      gpu.merge(o.getNodeNation(), o.getCreditedGpuMs(), Math::addExact);
      cpu.merge(o.getNodeNation(), o.getCreditedCpuMs(), Math::addExact);
    }
    String cpuWhy = compare(p, "CPU-ms", p.getCpuMsByNationMap(), cpu);
    if (cpuWhy != null) {
      return problem(at, cpuWhy);
    }
    String gpuWhy = compare(p, "GPU-ms", p.getGpuMsByNationMap(), gpu);
    if (gpuWhy != null) {
      return problem(at, gpuWhy);
    }
    index.put(p.getModelSha256(), at);
    entries.put(p.getModelSha256(), p);
    return null;
  }

  private static String compare(
      ProvenanceEntry p, String unit, Map<String, Long> statedMap, Map<String, Long> credited) {
    Map<String, Long> stated = new TreeMap<>(statedMap);
    stated.values().removeIf(v -> v == 0);
    credited.values().removeIf(v -> v == 0);
    return stated.equals(credited)
        ? null
        : "provenance of "
            + p.getJobId()
            + " states "
            + unit
            + " "
            + stated
            + " but its receipts credit "
            + credited;
  }

  /** The log index of the provenance entry of {@code modelSha256}, or null. */
  Long index(String modelSha256) {
    return index.get(modelSha256);
  }

  ProvenanceEntry entry(String modelSha256) {
    return entries.get(modelSha256);
  }

  private static Problem problem(long at, String detail) {
    return new Problem(at, "provenance", detail);
  }
}
