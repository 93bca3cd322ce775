package org.entente.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.entente.agent.djl.Architecture;
import org.entente.agent.djl.Examples;
import org.entente.agent.djl.LocalTrainer;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ShardResources;

/**
 * The training half of {@link RunnerBench}: direct step loops in this JVM, and one-shard training
 * jobs ({@code rounds=1}, {@code localSteps=N}) through the federation, with where the shard's time
 * went. Not thread-safe.
 */
final class TrainingRuns {
  private final DjlFederation fed;
  private final Architecture arch;
  private final Map<String, String> model;
  private final Examples examples;
  private final SyntheticData.File data;
  private final int batch;
  private final List<double[]> breakdown = new ArrayList<>();
  private final Map<Integer, Double> directLoss = new HashMap<>();
  private double lossDifference;
  private int compared;

  TrainingRuns(
      DjlFederation fed,
      Architecture arch,
      Map<String, String> model,
      Examples examples,
      SyntheticData.File data,
      int batch) {
    this.fed = fed;
    this.arch = arch;
    this.model = model;
    this.examples = examples;
    this.data = data;
    this.batch = batch;
  }

  /** {@code steps} steps on a fresh trainer with the shard's seeds; milliseconds of the loop. */
  double direct(int steps) {
    try (LocalTrainer t = RunnerBench.trainer(arch, examples, batch)) {
      long start = System.nanoTime();
      double loss = t.steps(steps).meanLoss();
      double ms = (System.nanoTime() - start) / 1e6;
      directLoss.put(steps, loss);
      return ms;
    }
  }

  /** A one-shard job of {@code steps} local steps; milliseconds from RUNNING to SUCCEEDED. */
  double shard(int steps) throws InterruptedException {
    JobSpec spec =
        JobSpec.newBuilder()
            .setName("runner-bench-training")
            .setKind("training")
            .setShards(1)
            .setRetryLimit(0)
            .setResources(ShardResources.newBuilder().setCpus(1))
            .addData(data.artifact("DE"))
            .putAllParameters(model)
            .putParameters("rounds", "1")
            .putParameters("localSteps", Integer.toString(steps))
            .putParameters("batchSize", Integer.toString(batch))
            .putParameters("learningRate", RunnerBench.LEARNING_RATE)
            .putParameters("seed", Long.toString(RunnerBench.SEED))
            .putParameters("minShards", "1")
            .build();
    long submitted = System.nanoTime();
    String id = fed.submit(spec);
    JobStatus s = fed.await(id, 1, Duration.ofMinutes(10), 20);
    double submitToEnd = (System.nanoTime() - submitted) / 1e6;
    double shard = RunnerBench.runningToSucceeded(s);
    ShardTimings.Run run = fed.timings().run(id, 0);
    ShardTimings.Exchange ex = fed.timings().exchanges(id).get(0);
    breakdown.add(
        new double[] {
          steps,
          shard,
          submitToEnd,
          run.ms(),
          ex.computeMs(),
          ex.ms(),
          fed.timings().transferMs(run, "fetch")
        });
    // The same seeds and data: the shard's loss is the direct run's when it did the same steps.
    Double direct = directLoss.get(steps);
    if (direct != null) {
      double fedLoss = s.getTraining().getRecent(0).getLoss();
      lossDifference = Math.max(lossDifference, Math.abs(fedLoss - direct));
      compared++;
    }
    return shard;
  }

  /** Forgets the breakdown so far (after the warm-up). */
  void forgetBreakdown() {
    breakdown.clear();
  }

  void printBreakdown() {
    System.out.println(
        "  where the shard's time goes, medians in ms:\n"
            + "  steps | submit->SUCCEEDED | RUNNING->SUCCEEDED | runner call | N steps (computeMs)"
            + " | FedAvg exchange | fetch (CSV copied to the cache, hashed) | parse, build model, copy parameters"
            + " | reports (RUNNING->SUCCEEDED minus runner call)");
    for (int steps : breakdown.stream().mapToInt(b -> (int) b[0]).distinct().sorted().toArray()) {
      List<double[]> rows = breakdown.stream().filter(b -> b[0] == steps).toList();
      double shard = RunnerBench.median(rows, 1);
      double run = RunnerBench.median(rows, 3);
      double compute = RunnerBench.median(rows, 4);
      double exchange = RunnerBench.median(rows, 5);
      double fetch = RunnerBench.median(rows, 6);
      System.out.printf(
          Locale.ROOT,
          "  %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f%n",
          steps,
          RunnerBench.median(rows, 2),
          shard,
          run,
          compute,
          exchange,
          fetch,
          run - compute - exchange - fetch,
          shard - run);
    }
    System.out.printf(
        Locale.ROOT,
        "  check: the shard's round loss and the direct run's mean loss (same steps) differ by at"
            + " most %.2e (%d comparisons)%n",
        lossDifference,
        compared);
  }
}
