package org.entente.bench;

import ai.djl.Device;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import org.entente.agent.djl.Architecture;
import org.entente.agent.djl.Architectures;
import org.entente.agent.djl.CsvExamples;
import org.entente.agent.djl.DataPartition;
import org.entente.agent.djl.Examples;
import org.entente.agent.djl.LocalTrainer;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ShardStatus;

/**
 * Runner overhead: the same DJL work run directly in this JVM and as a one-shard job through the
 * federation ({@link DjlFederation}: three replicas, one agent per nation with the product's DJL
 * runners, real mTLS on loopback, one ZooKeeper server). Target: shard ÷ direct ≤ 1.10 for training
 * steps and for inference batches.
 *
 * <p>Definitions:
 *
 * <ul>
 *   <li><b>Training, direct</b>: {@link LocalTrainer#steps} of N steps on a trainer built from the
 *       same CSV with the same seeds as the shard's (so the two do the same batches, checked by
 *       comparing losses). Only the step loop is timed.
 *   <li><b>Training, shard</b>: a job of one shard pinned to DE by its data's jurisdiction, {@code
 *       rounds=1}, {@code localSteps=N}; timed from the shard's RUNNING to its SUCCEEDED as the
 *       coordinators record them ({@code started_at}/{@code finished_at}, the leader's clock, both
 *       set when the agent's report is committed). That is what the runner costs once the shard is
 *       on its node: the data fetch (the file copied into the agent's cache while hashed), parsing,
 *       building the model, N steps, one FedAvg exchange (upload, checkpoint replicated to every
 *       replica, round recorded in ZooKeeper, download), and the reports. Submit to SUCCEEDED is
 *       printed too; it adds placement and the assignment's trip, which SubmitBench measures. The
 *       bench waits for the runner call to return without polling (GetJob every few milliseconds
 *       would take CPU from the shard), then polls GetJob every 20 ms.
 *   <li><b>Inference, direct</b>: {@link DirectInference}: parse the same CSV, forward batches of
 *       the same size through the model's block, argmax per row; classes kept in memory. The model
 *       load is timed apart.
 *   <li><b>Inference, shard</b>: a one-shard inference job over the same file and model file,
 *       RUNNING to SUCCEEDED as above: fetch (model and inputs copied into the cache while hashed),
 *       load, parse, batches, writing the output CSV (scores to 9 significant digits), and storing
 *       it in the replicated artifact store.
 *   <li>Each is run at two sizes (steps or rows); <b>fixed cost</b> = shard − direct (the same at
 *       both sizes if the per-step cost is the same), <b>marginal ratio</b> = (shard(large) −
 *       shard(small)) ÷ (direct(large) − direct(small)). The headline ratio is at the large size,
 *       of the medians and of the minimums (best of the repetitions, the steadier figure on a noisy
 *       machine).
 * </ul>
 *
 * Everything runs in one JVM on the CPU, so direct and shard runs take turns (interleaved, order
 * alternating per repetition) after an unmeasured warm-up (each path twice, small); medians over
 * the repetitions, with min–max. The shard runs alone: the in-process agents' trainers share DJL's
 * one gradient collector, which does not matter for one shard.
 *
 * <p>Usage: {@code bench/run RunnerBench [--reps 5] [--steps 800] [--steps-small 200] [--rows
 * 80000] [--rows-small 20000] [--inputs 64] [--hidden 1024,1024] [--classes 10] [--batch 64]
 * [--train-rows 8192] [--infer-batch 256] [--infer-hidden (as --hidden)] [--cpu 0]}; {@code --cpu
 * 1} prints CPU by thread group during the large runs of training.
 */
public final class RunnerBench {
  static final long SEED = 7;
  static final String LEARNING_RATE = "0.05";

  private RunnerBench() {}

  public static void main(String[] args) throws Exception {
    int reps = Args.integer(args, "--reps", 5);
    int steps = Args.integer(args, "--steps", 800);
    int stepsSmall = Args.integer(args, "--steps-small", 200);
    int rows = Args.integer(args, "--rows", 80_000);
    int rowsSmall = Args.integer(args, "--rows-small", 20_000);
    int trainRows = Args.integer(args, "--train-rows", 8192);
    int batch = Args.integer(args, "--batch", 64);
    int inferBatch = Args.integer(args, "--infer-batch", 256);
    boolean cpu = Args.integer(args, "--cpu", 0) == 1;
    Map<String, String> model =
        Map.of(
            "model", "mlp",
            "inputs", Args.text(args, "--inputs", "64"),
            "hidden", Args.text(args, "--hidden", "1024,1024"),
            "classes", Args.text(args, "--classes", "10"));
    Architecture arch = Architectures.fromJobParameters(model);
    Map<String, String> inferModel = new java.util.HashMap<>(model);
    inferModel.put("hidden", Args.text(args, "--infer-hidden", model.get("hidden")));
    Architecture inferArch = Architectures.fromJobParameters(inferModel);
    Path dir = Files.createTempDirectory("entente-runner-bench");
    try (TestingServer zk = new TestingServer(true)) {
      long t = System.nanoTime();
      SyntheticData.File train =
          SyntheticData.write(
              dir.resolve("train.csv"), trainRows, arch.features(), arch.classes(), true, SEED);
      SyntheticData.File large =
          SyntheticData.write(
              dir.resolve("inputs-large.csv"), rows, arch.features(), arch.classes(), false, 11);
      SyntheticData.File small =
          SyntheticData.write(
              dir.resolve("inputs-small.csv"),
              rowsSmall,
              arch.features(),
              arch.classes(),
              false,
              12);
      long setup = System.nanoTime();
      Examples examples =
          CsvExamples.readLabelled(
              train.path(),
              "train",
              arch.features(),
              arch.classes(),
              new DataPartition(train.artifact(""), 0, 1, 0));
      double parseMs = (System.nanoTime() - setup) / 1e6;
      Path modelFile = dir.resolve("model.entm");
      try (LocalTrainer trainer = trainer(arch, examples, batch);
          LocalTrainer inferTrainer = trainer(inferArch, examples, batch);
          OutputStream out = Files.newOutputStream(modelFile)) {
        System.out.printf(
            "runner bench: training %s, %d parameters, %d rows (%.1f MB CSV), batch %d, steps %d"
                + " and %d; inference %s, %d parameters, %d and %d rows, batch %d; %d"
                + " repetitions; %d processor(s); load average %s%n",
            arch,
            trainer.values().length,
            trainRows,
            Files.size(train.path()) / 1e6,
            batch,
            stepsSmall,
            steps,
            inferArch,
            inferTrainer.values().length,
            rowsSmall,
            rows,
            inferBatch,
            reps,
            Runtime.getRuntime().availableProcessors(),
            FedAvgBench.loadAverage());
        System.out.printf(
            "data written in %.1f s; parsing the training CSV took %.0f ms%n",
            (setup - t) / 1e9, parseMs);
        inferTrainer.toModelFile(0).write(out);
      }
      SyntheticData.File modelArtifact =
          new SyntheticData.File(modelFile, SyntheticData.sha256(modelFile), 0);

      try (DjlFederation fed =
          DjlFederation.start(zk.getConnectString(), "/bench", dir.resolve("federation"), 1)) {
        System.out.printf(
            "federation up: replicas DE, FR, JP (leader %s), one agent each%n", fed.leaderNation());
        TrainingRuns training = new TrainingRuns(fed, arch, model, examples, train, batch);
        InferenceRuns inference = new InferenceRuns(fed, modelArtifact, inferBatch, arch.classes());
        // Warm-up (JIT, native allocations): each path twice, small, unmeasured.
        for (int i = 0; i < 2; i++) {
          training.direct(stepsSmall);
          training.shard(stepsSmall);
          inference.direct(small);
          inference.shard(small);
        }
        training.forgetBreakdown();
        inference.forgetBreakdown();
        PairedSizes trainRuns = new PairedSizes(stepsSmall, steps);
        PairedSizes inferRuns = new PairedSizes(rowsSmall, rows);
        for (int r = 0; r < reps; r++) {
          boolean directFirst = r % 2 == 0;
          for (int size : List.of(stepsSmall, steps)) {
            trainRuns.add(
                size,
                directFirst,
                () -> profiled(cpu && size == steps, "direct " + size, () -> training.direct(size)),
                () -> profiled(cpu && size == steps, "shard " + size, () -> training.shard(size)));
          }
          for (SyntheticData.File f : List.of(small, large)) {
            inferRuns.add(
                f.rows(), directFirst, () -> inference.direct(f), () -> inference.shard(f));
          }
          System.out.printf("repetition %d of %d done%n", r + 1, reps);
        }
        System.out.println();
        System.out.println("training (one shard, rounds=1, localSteps=N)");
        trainRuns.print("steps");
        training.printBreakdown();
        System.out.println();
        System.out.println("inference (one shard)");
        inferRuns.print("rows");
        inference.printBreakdown();
        System.out.printf("%nload average at the end: %s%n", FedAvgBench.loadAverage());
      }
    } finally {
      deleteTree(dir);
    }
  }

  static LocalTrainer trainer(Architecture arch, Examples examples, int batch) {
    return new LocalTrainer(
        arch, examples, batch, Float.parseFloat(LEARNING_RATE), SEED, SEED, Device.cpu());
  }

  /** {@code run}, with CPU by thread group printed when {@code on}. */
  static double profiled(boolean on, String title, Timed run) throws Exception {
    CpuByThread cpu = on ? CpuByThread.start() : null;
    double ms = run.ms();
    if (on) {
      cpu.print(title, 1, 8);
    }
    return ms;
  }

  /** One measurement: milliseconds. */
  @FunctionalInterface
  interface Timed {
    double ms() throws Exception;
  }

  static double median(List<double[]> runs, int i) {
    return LatencyRun.quantile(runs.stream().mapToDouble(r -> r[i]).toArray(), 0.5);
  }

  static double min(List<double[]> runs, int i) {
    return runs.stream().mapToDouble(r -> r[i]).min().orElse(Double.NaN);
  }

  static double max(List<double[]> runs, int i) {
    return runs.stream().mapToDouble(r -> r[i]).max().orElse(Double.NaN);
  }

  /** RUNNING to SUCCEEDED of shard 0, from the coordinators' record. */
  static double runningToSucceeded(JobStatus s) {
    ShardStatus sh = s.getShards(0);
    return sh.getFinishedAtUnixMs() - sh.getStartedAtUnixMs();
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
