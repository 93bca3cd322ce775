package org.entente.cli.job;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.entente.cli.Output;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.Checkpoint;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobSummary;
import org.entente.proto.v1.ResourceAmounts;
import org.entente.proto.v1.RoundOutcome;
import org.entente.proto.v1.ShardStatus;
import org.entente.proto.v1.TrainingStatus;

/**
 * How the job commands show jobs, shards and resource amounts: short text for tables and maps for
 * {@code --json}. Stateless.
 */
public final class JobText {
  /** Shard states in the order a shard moves through them. */
  public static final List<String> SHARD_STATES =
      List.of("RUNNING", "PLACED", "PENDING", "REQUEUED", "SUCCEEDED", "FAILED", "CANCELLED");

  /** Job states, for {@code --state}. */
  public static final List<String> JOB_STATES =
      List.of("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED");

  private JobText() {}

  /**
   * Shard counts by state, for example {@code 2/3 running, 1 pending}: the first state with its
   * share of all shards, the others as plain counts.
   */
  public static String shards(JobSummary j) {
    List<String> parts = new ArrayList<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    SHARD_STATES.forEach(s -> counts.put(s, j.getShardStatesOrDefault(s, 0)));
    j.getShardStatesMap().forEach(counts::putIfAbsent);
    for (var e : counts.entrySet()) {
      if (e.getValue() > 0) {
        String state = e.getKey().toLowerCase(Locale.ROOT);
        parts.add(
            parts.isEmpty()
                ? e.getValue() + "/" + j.getShards() + " " + state
                : e.getValue() + " " + state);
      }
    }
    return parts.isEmpty() ? "0/" + j.getShards() : String.join(", ", parts);
  }

  /** Time since {@code thenMs}, coarsely: {@code 12s}, {@code 5m}, {@code 3h}, {@code 2d}. */
  public static String age(long nowMs, long thenMs) {
    if (thenMs <= 0) {
      return "-";
    }
    long s = Math.max(0, (nowMs - thenMs) / 1000);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m";
    }
    return s < 48 * 3600 ? s / 3600 + "h" : s / 86_400 + "d";
  }

  /** Milliseconds in the largest unit that writes them exactly: {@code 2h}, {@code 90s}. */
  public static String duration(long ms) {
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  /** GPUs, CPUs and memory as {@code 8/128/512.0Gi}; {@code unlimited} when absent. */
  public static String amounts(ResourceAmounts a, boolean present) {
    if (!present) {
      return "unlimited";
    }
    return a.getGpus() + "/" + a.getCpus() + "/" + Output.gib(a.getMemoryBytes());
  }

  /** An instant as ISO-8601, or null for 0 (never). */
  public static String instant(long unixMs) {
    return unixMs == 0 ? null : Instant.ofEpochMilli(unixMs).toString();
  }

  /** A job's name, with its index when it is one of an array's jobs: {@code sweep[17]}. */
  public static String name(JobSummary j) {
    return j.getArrayIndex() >= 0 ? j.getName() + "[" + j.getArrayIndex() + "]" : j.getName();
  }

  /** A job summary for {@code --json}. */
  public static Map<String, Object> json(JobSummary j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("jobId", j.getJobId());
    m.put("name", j.getName());
    m.put("arrayIndex", j.getArrayIndex() >= 0 ? j.getArrayIndex() : null);
    m.put("kind", j.getKind());
    m.put("nation", j.getNation());
    m.put("submittedBy", j.getSubmittedBy());
    m.put("state", j.getState());
    m.put("shards", j.getShards());
    m.put("shardStates", new java.util.TreeMap<>(j.getShardStatesMap()));
    m.put("priority", j.getPriority());
    m.put("submittedAt", instant(j.getSubmittedAtUnixMs()));
    m.put("finishedAt", instant(j.getFinishedAtUnixMs()));
    m.put("reason", j.getReason());
    return m;
  }

  /** A shard for {@code --json}. */
  public static Map<String, Object> json(ShardStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", s.getIndex());
    m.put("state", s.getState());
    m.put("node", s.getNode().isEmpty() ? null : s.getNode());
    m.put("attempt", s.getAttempt());
    m.put("retries", s.getRetries());
    m.put("reason", s.getReason());
    m.put("placedAt", instant(s.getPlacedAtUnixMs()));
    m.put("startedAt", instant(s.getStartedAtUnixMs()));
    m.put("finishedAt", instant(s.getFinishedAtUnixMs()));
    m.put("notBefore", instant(s.getNotBeforeUnixMs()));
    if (s.hasOutput()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("sha256", s.getOutput().getSha256());
      o.put("sizeBytes", s.getOutput().getSizeBytes());
      o.put("rows", s.getOutput().getRows());
      m.put("output", o);
    }
    if (s.getRunsCount() > 0) {
      List<Map<String, Object>> runs = new java.util.ArrayList<>();
      for (var r : s.getRunsList()) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("attempt", r.getAttempt());
        x.put("node", r.getNode());
        x.put("outputSha256", r.getOutputSha256());
        runs.add(x);
      }
      m.put("runs", runs);
      m.put("runsSameNation", s.getRunsSameNation());
    }
    return m;
  }

  /** A replicated shard's runs as one line: {@code DE/gpu-1=3f2a.., FR/gpu-1=3f2a..}. */
  public static String runs(ShardStatus s) {
    StringBuilder b = new StringBuilder();
    for (var r : s.getRunsList()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      String sha = r.getOutputSha256();
      b.append(r.getNode()).append('=').append(sha.length() > 12 ? sha.substring(0, 12) : sha);
    }
    return s.getRunsSameNation() ? b + " (one nation allowed)" : b.toString();
  }

  /** Training progress for {@code --json}. */
  public static Map<String, Object> json(TrainingStatus t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rounds", t.getRounds());
    m.put("checkpoint", t.hasCheckpoint() ? json(t.getCheckpoint()) : null);
    List<Map<String, Object>> recent = new java.util.ArrayList<>();
    for (RoundOutcome r : t.getRecentList()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("round", r.getRound());
      o.put("closedBy", r.getClosedBy());
      o.put("loss", r.getLoss());
      o.put("examples", r.getExamples());
      o.put(
          "contributions",
          r.getContributionsList().stream()
              .map(
                  c -> {
                    Map<String, Object> cm = new LinkedHashMap<>();
                    cm.put("shard", c.getShard());
                    cm.put("attempt", c.getAttempt());
                    cm.put("examples", c.getExamples());
                    cm.put("loss", c.getLoss());
                    return cm;
                  })
              .toList());
      o.put("missing", r.getMissingList());
      o.put("checkpoint", json(r.getCheckpoint()));
      o.put("openedAt", instant(r.getOpenedAtUnixMs()));
      o.put("closedAt", instant(r.getClosedAtUnixMs()));
      recent.add(o);
    }
    m.put("recent", recent);
    return m;
  }

  private static Map<String, Object> json(Checkpoint c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("round", c.getRound());
    m.put("sha256", c.getSha256());
    m.put("sizeBytes", c.getSizeBytes());
    m.put("uri", "entente:artifacts/" + c.getSha256());
    return m;
  }

  /** A job spec for {@code --json}, with the job file's field names. */
  public static Map<String, Object> json(JobSpec s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.getName());
    m.put("kind", s.getKind());
    m.put("shards", s.getShards());
    m.put("gang", s.getGang());
    m.put("priority", s.getPriority());
    m.put("retryLimit", s.getRetryLimit());
    m.put("maxRuntimeMs", s.getMaxRuntimeMs());
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("gpus", s.getResources().getGpus());
    r.put("gpuMemoryBytes", s.getResources().getGpuMemoryBytes());
    r.put("cpus", s.getResources().getCpus());
    r.put("memoryBytes", s.getResources().getMemoryBytes());
    m.put("resources", r);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("jurisdictions", s.getPlacement().getJurisdictionsList());
    p.put("spread", s.getPlacement().getSpread());
    p.put("labels", new java.util.TreeMap<>(s.getPlacement().getLabelsMap()));
    p.put("gpuModel", s.getPlacement().getGpuModel());
    m.put("placement", p);
    m.put("model", s.hasModel() ? json(s.getModel()) : null);
    m.put("data", s.getDataList().stream().map(JobText::json).toList());
    m.put("parameters", new java.util.TreeMap<>(s.getParametersMap()));
    return m;
  }

  private static Map<String, Object> json(Artifact a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("uri", a.getUri());
    m.put("sha256", a.getSha256());
    if (!a.getJurisdiction().isEmpty()) {
      m.put("jurisdiction", a.getJurisdiction());
    }
    return m;
  }

  /** Resource amounts for {@code --json}; null when absent (unlimited). */
  public static Map<String, Object> json(ResourceAmounts a, boolean present) {
    if (!present) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("gpus", a.getGpus());
    m.put("cpus", a.getCpus());
    m.put("memoryBytes", a.getMemoryBytes());
    return m;
  }
}
