package org.entente.cli.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.entente.agent.artifacts.ArtifactClient;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.RoundOutcome;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.ShardStatus;
import org.entente.proto.v1.SubmitJobRequest;

/**
 * The demo's workloads, through the real API as the DE operator: federated training of an MLP on
 * three nations' deliberately different data (each shard pinned to the nation whose partition it
 * reads), with the loss printed round by round; then batch inference with the trained model over a
 * held-out set uploaded to the artifact store, and the accuracy of its outputs.
 */
final class DemoWorkloads {
  static final int ROUNDS = 12;
  private static final long POLL_MS = 250;

  private final FederationClient client;
  private final PrintWriter out;
  private final List<String> nations;
  private final long started = System.nanoTime();

  DemoWorkloads(FederationClient client, PrintWriter out, List<String> nations) {
    this.client = client;
    this.out = out;
    this.nations = nations;
  }

  /** Runs both jobs; returns the ids of the training and inference jobs. */
  List<String> run(Path dataDir, long deadlineMs) throws IOException, InterruptedException {
    DemoData.Written data = new DemoData(20261123L).write(dataDir, nations, 1500, 1200);
    out.printf(
        "%nData: 1,500 labelled rows for each of %s, deliberately different (non-IID): DE holds"
            + " mostly classes 0-1, FR 1-2, JP 2-3.%n      Each partition stays in its nation's"
            + " directory and is read only by a shard placed in that nation.%n",
        String.join(", ", nations));
    JobSpec trainingSpec = trainingSpec(data);
    Path jobs = dataDir.resolveSibling("jobs");
    Files.createDirectories(jobs);
    Files.writeString(jobs.resolve("fedavg.yaml"), yaml(trainingSpec));
    String training = submit(trainingSpec);
    out.printf(
        "%nSubmitted %s: federated training (FedAvg), an MLP 8-32-4, %d rounds of 25 local steps"
            + " per shard.%n",
        training, ROUNDS);
    out.flush();
    JobStatus t = follow(training, deadlineMs);
    if (!t.getSummary().getState().equals("SUCCEEDED")) {
      return List.of(training);
    }
    String model = t.getTraining().getCheckpoint().getSha256();
    out.printf("  trained model: entente:artifacts/%s%n", model);

    ArtifactInfo heldOut =
        client.withChannel(ch -> new ArtifactClient(() -> ch).put(data.heldOut().path(), n -> {}));
    out.printf(
        "%nUploaded the held-out set (%d rows) to the artifact store: %s, copied to %s.%n",
        data.heldOut().rows(), heldOut.getUri(), String.join(", ", heldOut.getReplicasList()));
    JobSpec inferenceSpec = inferenceSpec(model, heldOut.getSha256());
    Files.writeString(jobs.resolve("inference.yaml"), yaml(inferenceSpec));
    String inference = submit(inferenceSpec);
    out.printf(
        "Submitted %s: batch inference with the trained model, 3 shards over the held-out set.%n",
        inference);
    out.flush();
    JobStatus i = follow(inference, deadlineMs);
    if (i.getSummary().getState().equals("SUCCEEDED")) {
      report(i, data.heldOutLabels(), dataDir.resolve("outputs"));
    }
    return List.of(training, inference);
  }

  JobSpec trainingSpec(DemoData.Written data) {
    JobSpec.Builder b =
        JobSpec.newBuilder()
            .setName("demo-fedavg")
            .setKind("training")
            .setShards(nations.size())
            .setGang(true)
            .setPriority(10)
            .setRetryLimit(3)
            .setResources(ShardResources.newBuilder().setCpus(1).setMemoryBytes(512L << 20))
            .putParameters("model", "mlp")
            .putParameters("inputs", Integer.toString(DemoData.FEATURES))
            .putParameters("hidden", "32")
            .putParameters("classes", Integer.toString(DemoData.CLASSES))
            .putParameters("rounds", Integer.toString(ROUNDS))
            .putParameters("localSteps", "25")
            .putParameters("batchSize", "32")
            .putParameters("learningRate", "0.05")
            .putParameters("minShards", Integer.toString(nations.size()))
            .putParameters("roundTimeout", "30s");
    for (String n : nations) {
      DemoData.File f = data.partitions().get(n);
      b.addData(
          Artifact.newBuilder()
              .setUri(f.path().toAbsolutePath().toUri().toString())
              .setSha256(f.sha256())
              .setJurisdiction(n));
    }
    return b.build();
  }

  JobSpec inferenceSpec(String modelSha, String dataSha) {
    return JobSpec.newBuilder()
        .setName("demo-inference")
        .setKind("inference")
        .setShards(3)
        .setRetryLimit(3)
        .setResources(ShardResources.newBuilder().setCpus(1).setMemoryBytes(512L << 20))
        .setPlacement(PlacementRules.newBuilder().setSpread(true))
        .setModel(
            Artifact.newBuilder().setUri(ArtifactClient.URI_PREFIX + modelSha).setSha256(modelSha))
        .addData(
            Artifact.newBuilder().setUri(ArtifactClient.URI_PREFIX + dataSha).setSha256(dataSha))
        .putParameters("batchSize", "128")
        .build();
  }

  /**
   * The spec as a job file, so that a user can submit the same job again with {@code entente
   * submit}: the demo writes one for each job it runs.
   */
  static String yaml(JobSpec s) {
    StringBuilder b = new StringBuilder();
    b.append("# Written by entente demo; submit it again with: entente submit <this file>\n");
    b.append("name: ").append(s.getName()).append('\n');
    b.append("kind: ").append(s.getKind()).append('\n');
    b.append("shards: ").append(s.getShards()).append('\n');
    if (s.getGang()) {
      b.append("gang: true\n");
    }
    b.append("priority: ").append(s.getPriority()).append('\n');
    b.append("retryLimit: ").append(s.getRetryLimit()).append('\n');
    b.append("resources: {cpus: ")
        .append(s.getResources().getCpus())
        .append(", memory: ")
        .append(s.getResources().getMemoryBytes() >> 20)
        .append("Mi}\n");
    if (s.getPlacement().getSpread()) {
      b.append("placement: {spread: true}\n");
    }
    if (s.hasModel()) {
      b.append("model: ").append(artifact(s.getModel())).append('\n');
    }
    b.append("data:\n");
    s.getDataList().forEach(a -> b.append("  - ").append(artifact(a)).append('\n'));
    b.append("parameters:\n");
    new java.util.TreeMap<>(s.getParametersMap())
        .forEach((k, v) -> b.append("  ").append(k).append(": \"").append(v).append("\"\n"));
    return b.toString();
  }

  private static String artifact(Artifact a) {
    return "{uri: \""
        + a.getUri()
        + "\", sha256: "
        + a.getSha256()
        + (a.getJurisdiction().isEmpty() ? "" : ", jurisdiction: " + a.getJurisdiction())
        + "}";
  }

  private String submit(JobSpec spec) {
    return client
        .jobs(
            s ->
                s.submitJob(
                    SubmitJobRequest.newBuilder()
                        .setSpec(spec)
                        .setNation("DE")
                        .setRequestId(UUID.randomUUID().toString())
                        .build()))
        .getJobId();
  }

  /** Prints where shards run and each closed round until the job ends or the deadline passes. */
  private JobStatus follow(String id, long deadlineMs) throws InterruptedException {
    Set<String> shown = new HashSet<>();
    int lastRound = 0;
    long start = System.nanoTime();
    while (true) {
      JobStatus s = client.jobs(c -> c.getJob(GetJobRequest.newBuilder().setJobId(id).build()));
      for (ShardStatus sh : s.getShardsList()) {
        String key = sh.getIndex() + "@" + sh.getAttempt() + sh.getState();
        if ((sh.getState().equals("RUNNING") || sh.getState().equals("FAILED")) && shown.add(key)) {
          line(
              "shard "
                  + sh.getIndex()
                  + " "
                  + sh.getState().toLowerCase(Locale.ROOT)
                  + " on "
                  + sh.getNode()
                  + (sh.getState().equals("FAILED") ? ": " + sh.getReason() : ""));
        }
      }
      for (RoundOutcome r : s.getTraining().getRecentList()) {
        if (r.getRound() > lastRound) {
          lastRound = r.getRound();
          line(
              String.format(
                  Locale.ROOT,
                  "round %2d/%d  loss %.4f  %d shards, %,d examples%s",
                  r.getRound(),
                  s.getTraining().getRounds(),
                  r.getLoss(),
                  r.getContributionsCount(),
                  r.getExamples(),
                  r.getMissingCount() > 0
                      ? "  (left out: shards " + r.getMissingList() + ")"
                      : ""));
        }
      }
      String state = s.getSummary().getState();
      if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
        line(
            "job "
                + id
                + " "
                + state
                + (s.getSummary().getReason().isEmpty() ? "" : ": " + s.getSummary().getReason()));
        return s;
      }
      if (System.nanoTime() - start > deadlineMs * 1_000_000L) {
        out.println("  (still running; follow it with ./entente job " + id + ")");
        out.flush();
        return s;
      }
      Thread.sleep(POLL_MS); // a progress display polls; nothing waits on this for correctness
    }
  }

  /** Downloads the outputs (verified) and scores them against the held-out labels. */
  private void report(JobStatus s, int[] labels, Path dir)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int right = 0;
    int total = 0;
    for (ShardStatus sh : s.getShardsList()) {
      Path file = dir.resolve("shard-" + sh.getIndex() + ".csv");
      String sha = sh.getOutput().getSha256();
      client.withChannel(ch -> new ArtifactClient(() -> ch).get(sha, file, n -> {}));
      try (BufferedReader r = Files.newBufferedReader(file)) {
        r.readLine(); // header: row,class,score...
        for (String l; (l = r.readLine()) != null; ) {
          String[] cells = l.split(",", 3);
          int row = Integer.parseInt(cells[0]);
          int predicted = Integer.parseInt(cells[1]);
          total++;
          if (labels[row] == predicted) {
            right++;
          }
        }
      }
    }
    out.printf(
        Locale.ROOT,
        "  held-out accuracy of the federated model: %.1f%% (%d of %d; a guess would score 25%%)%n",
        100.0 * right / Math.max(1, total),
        right,
        total);
    out.printf("  outputs (digest-checked) in %s%n", dir);
    out.flush();
  }

  private void line(String what) {
    out.printf(Locale.ROOT, "  [%5.1fs] %s%n", (System.nanoTime() - started) / 1e9, what);
    out.flush();
  }
}
