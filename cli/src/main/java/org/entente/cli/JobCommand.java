package org.entente.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.agent.artifacts.ArtifactClient;
import org.entente.agent.shards.ArtifactException;
import org.entente.cli.client.FederationClient;
import org.entente.cli.job.JobText;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.JobSummary;
import org.entente.proto.v1.RoundOutcome;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.ShardStatus;
import org.entente.proto.v1.TrainingStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente job}: one job, with where each shard is and why. */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    description = "Show a job and its shards: state, node, attempt, retries and why.")
public final class JobCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "JOB-ID", description = "As printed by submit or jobs.")
  String jobId;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description =
          "Download what the job produced into DIR (created if needed), each file checked against"
              + " its SHA-256: inference outputs as shard-<i>.csv, a training job's model (its"
              + " last checkpoint) as model.entm.")
  Path output;

  @Mixin ClientOptions client;

  @Override
  public Integer call() throws InterruptedException {
    JobStatus j;
    try (FederationClient c = client.open()) {
      j = c.jobs(s -> s.getJob(GetJobRequest.newBuilder().setJobId(jobId).build()));
      if (output != null) {
        return download(c, j);
      }
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("summary", JobText.json(j.getSummary()));
      m.put("spec", JobText.json(j.getSpec()));
      m.put("shards", j.getShardsList().stream().map(JobText::json).toList());
      m.put("training", j.hasTraining() ? JobText.json(j.getTraining()) : null);
      Output.json(w, m);
      return ExitCodes.OK;
    }
    printSummary(w, j.getSummary(), j.getSpec(), System.currentTimeMillis());
    List<List<String>> rows = new ArrayList<>();
    for (ShardStatus s : j.getShardsList()) {
      rows.add(
          List.of(
              Integer.toString(s.getIndex()),
              s.getState(),
              s.getNode().isEmpty() ? "-" : s.getNode(),
              Integer.toString(s.getAttempt()),
              Integer.toString(s.getRetries()),
              s.getReason().isEmpty() ? "-" : s.getReason().replaceAll("\\s*\\R\\s*", " ")));
    }
    w.println();
    Output.table(w, List.of("INDEX", "STATE", "NODE", "ATTEMPT", "RETRIES", "REASON"), rows);
    if (j.hasTraining()) {
      printTraining(w, j.getTraining());
    }
    List<List<String>> outputs = new ArrayList<>();
    for (ShardStatus s : j.getShardsList()) {
      if (s.hasOutput()) {
        outputs.add(
            List.of(
                Integer.toString(s.getIndex()),
                Long.toString(s.getOutput().getRows()),
                Output.bytes(s.getOutput().getSizeBytes()),
                s.getOutput().getSha256()));
      }
    }
    if (!outputs.isEmpty()) {
      w.println();
      Output.table(w, List.of("SHARD", "ROWS", "SIZE", "OUTPUT SHA-256"), outputs);
    }
    List<List<String>> runs = new ArrayList<>();
    for (ShardStatus s : j.getShardsList()) {
      if (s.getRunsCount() > 0) {
        runs.add(List.of(Integer.toString(s.getIndex()), JobText.runs(s)));
      }
    }
    if (!runs.isEmpty()) {
      w.println();
      Output.table(w, List.of("SHARD", "VERIFIED RUNS (NODE=OUTPUT)"), runs);
    }
    w.flush();
    return ExitCodes.OK;
  }

  private static void printSummary(PrintWriter w, JobSummary j, JobSpec s, long now) {
    line(w, "job", j.getJobId());
    line(w, "name", JobText.name(j) + " (" + j.getKind() + ")");
    line(w, "nation", j.getNation() + ", submitted by " + j.getSubmittedBy());
    line(
        w,
        "submitted",
        JobText.instant(j.getSubmittedAtUnixMs())
            + " ("
            + JobText.age(now, j.getSubmittedAtUnixMs())
            + " ago)");
    line(w, "state", j.getState());
    if (j.getFinishedAtUnixMs() != 0) {
      line(w, "finished", JobText.instant(j.getFinishedAtUnixMs()));
    }
    if (!j.getReason().isEmpty()) {
      line(w, "reason", j.getReason());
    }
    line(
        w,
        "shards",
        JobText.shards(j)
            + (s.getGang() ? "; gang" : "")
            + (s.getPlacement().getSpread() ? "; spread over nations" : ""));
    line(w, "resources", resources(s.getResources()) + " per shard");
    List<String> where = new ArrayList<>();
    if (s.getPlacement().getJurisdictionsCount() > 0) {
      where.add("in " + String.join(", ", s.getPlacement().getJurisdictionsList()));
    }
    if (!s.getPlacement().getGpuModel().isEmpty()) {
      where.add("GPU model " + s.getPlacement().getGpuModel());
    }
    s.getPlacement().getLabelsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> where.add(e.getKey() + "=" + e.getValue()));
    List<String> pinned = new ArrayList<>();
    for (int i = 0; i < s.getDataCount(); i++) {
      if (!s.getData(i).getJurisdiction().isEmpty()) {
        pinned.add(i + " in " + s.getData(i).getJurisdiction());
      }
    }
    if (!pinned.isEmpty()) {
      where.add("shards where their data lives: " + String.join(", ", pinned));
    }
    line(w, "placement", where.isEmpty() ? "any member nation" : String.join("; ", where));
    line(
        w,
        "priority",
        s.getPriority()
            + "; retry limit "
            + s.getRetryLimit()
            + "; max runtime "
            + (s.getMaxRuntimeMs() == 0
                ? "coordinator default"
                : JobText.duration(s.getMaxRuntimeMs())));
    w.flush();
  }

  /** The job's products, one verified file each, listed as they land. */
  private int download(FederationClient c, JobStatus j) throws InterruptedException {
    Map<String, String> files = new LinkedHashMap<>();
    for (ShardStatus s : j.getShardsList()) {
      if (s.hasOutput()) {
        files.put("shard-" + s.getIndex() + ".csv", s.getOutput().getSha256());
      }
    }
    if (j.hasTraining() && j.getTraining().hasCheckpoint()) {
      files.put("model.entm", j.getTraining().getCheckpoint().getSha256());
    }
    if (files.isEmpty()) {
      throw new UserException(
          ExitCodes.NOT_FOUND,
          "job "
              + jobId
              + " ("
              + j.getSummary().getState()
              + ") has no outputs yet: inference shards have them once they succeed, training"
              + " jobs once a round has closed");
    }
    try {
      Files.createDirectories(output);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "--output " + output + ": " + e.getMessage());
    }
    var w = spec.commandLine().getOut();
    List<Map<String, Object>> written = new ArrayList<>();
    for (var f : files.entrySet()) {
      Path target = output.resolve(f.getKey());
      long size;
      try {
        size = c.withChannel(ch -> new ArtifactClient(() -> ch).get(f.getValue(), target, n -> {}));
      } catch (ArtifactException e) {
        throw new UserException(ExitCodes.FAILURE, e.getMessage() + "; " + target + " not written");
      } catch (IOException e) {
        throw new UserException(ExitCodes.INVALID, "--output " + output + ": " + e.getMessage());
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", target.toString());
      m.put("sha256", f.getValue());
      m.put("sizeBytes", size);
      written.add(m);
      if (!json) {
        w.printf("%s  %s  %s%n", target, Output.bytes(size), f.getValue());
        w.flush();
      }
    }
    if (json) {
      Output.json(w, Map.of("job", jobId, "files", written));
    }
    return ExitCodes.OK;
  }

  private static void printTraining(PrintWriter w, TrainingStatus t) {
    w.println();
    int done = t.hasCheckpoint() ? t.getCheckpoint().getRound() : 0;
    line(w, "training", done + " of " + t.getRounds() + " FedAvg rounds");
    if (t.hasCheckpoint()) {
      line(
          w,
          done >= t.getRounds() ? "model" : "checkpoint",
          "entente:artifacts/" + t.getCheckpoint().getSha256());
    }
    List<List<String>> rows = new ArrayList<>();
    for (RoundOutcome r : t.getRecentList()) {
      rows.add(
          List.of(
              Integer.toString(r.getRound()),
              String.format(java.util.Locale.ROOT, "%.4f", r.getLoss()),
              Integer.toString(r.getContributionsCount()),
              Long.toString(r.getExamples()),
              r.getClosedBy()
                  + (r.getMissingCount() > 0 ? " (missing " + r.getMissingList() + ")" : ""),
              JobText.duration(r.getClosedAtUnixMs() - r.getOpenedAtUnixMs())));
    }
    if (!rows.isEmpty()) {
      w.println();
      Output.table(w, List.of("ROUND", "LOSS", "SHARDS", "EXAMPLES", "CLOSED BY", "WAITED"), rows);
    }
  }

  private static String resources(ShardResources r) {
    String gpus =
        r.getGpus() == 0
            ? "no GPU"
            : r.getGpus()
                + (r.getGpus() == 1 ? " GPU" : " GPUs")
                + (r.getGpuMemoryBytes() > 0
                    ? " with " + Output.gib(r.getGpuMemoryBytes()) + " or more"
                    : "");
    return gpus
        + ", "
        + r.getCpus()
        + (r.getCpus() == 1 ? " CPU" : " CPUs")
        + (r.getMemoryBytes() > 0 ? ", " + Output.gib(r.getMemoryBytes()) + " memory" : "");
  }

  private static void line(PrintWriter w, String label, String value) {
    w.printf("%-10s %s%n", label, value);
  }
}
