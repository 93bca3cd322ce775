package org.entente.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.ShardStatus;

/**
 * The inference half of {@link RunnerBench}: {@link DirectInference} over a CSV in this JVM, and
 * one-shard inference jobs over the same CSV and model file through the federation, with where the
 * shard's time went and a check that both predict the same classes. Not thread-safe.
 */
final class InferenceRuns {
  private final DjlFederation fed;
  private final SyntheticData.File modelFile;
  private final int batch;
  private final int classes;
  private final Map<Integer, int[]> directClasses = new HashMap<>();
  private final List<Double> loads = new ArrayList<>();
  private final List<double[]> breakdown = new ArrayList<>();
  private String check = "";

  InferenceRuns(DjlFederation fed, SyntheticData.File modelFile, int batch, int classes) {
    this.fed = fed;
    this.modelFile = modelFile;
    this.batch = batch;
    this.classes = classes;
  }

  /** Parse and predict {@code inputs}; milliseconds (the model load is timed apart). */
  double direct(SyntheticData.File inputs) throws IOException {
    long load = System.nanoTime();
    try (DirectInference d = new DirectInference(modelFile.path())) {
      long start = System.nanoTime();
      int[] predicted = d.predict(inputs.path(), batch);
      long end = System.nanoTime();
      directClasses.put(inputs.rows(), predicted);
      loads.add((start - load) / 1e6);
      return (end - start) / 1e6;
    }
  }

  /** A one-shard inference job over {@code inputs}; milliseconds from RUNNING to SUCCEEDED. */
  double shard(SyntheticData.File inputs) throws Exception {
    JobSpec spec =
        JobSpec.newBuilder()
            .setName("runner-bench-inference")
            .setKind("inference")
            .setShards(1)
            .setRetryLimit(0)
            .setResources(ShardResources.newBuilder().setCpus(1))
            .setModel(modelFile.artifact(""))
            .addData(inputs.artifact("DE"))
            .putParameters("batchSize", Integer.toString(batch))
            .build();
    long submitted = System.nanoTime();
    String id = fed.submit(spec);
    JobStatus s = fed.await(id, 1, Duration.ofMinutes(10), 20);
    double submitToEnd = (System.nanoTime() - submitted) / 1e6;
    ShardStatus sh = s.getShards(0);
    if (sh.getOutput().getRows() != inputs.rows()) {
      throw new IllegalStateException(
          "the shard wrote " + sh.getOutput().getRows() + " rows for " + inputs.rows());
    }
    ShardTimings.Run run = fed.timings().run(id, 0);
    double shard = RunnerBench.runningToSucceeded(s);
    breakdown.add(
        new double[] {
          inputs.rows(),
          submitToEnd,
          shard,
          run.ms(),
          fed.timings().transferMs(run, "fetch"),
          fed.timings().transferMs(run, "upload"),
          sh.getOutput().getSizeBytes()
        });
    int[] expected = directClasses.get(inputs.rows());
    if (expected != null) {
      Path out = fed.download(sh.getOutput().getSha256(), inputs.path().resolveSibling("out.csv"));
      check =
          String.format(
              Locale.ROOT,
              "  check: the last output, %d rows, has %d of %d classes equal to the direct run's%n",
              sh.getOutput().getRows(),
              sameClasses(out, expected),
              expected.length);
      Files.delete(out);
    }
    return shard;
  }

  /** Forgets the breakdown so far (after the warm-up). */
  void forgetBreakdown() {
    breakdown.clear();
    loads.clear();
  }

  void printBreakdown() {
    System.out.println(
        "  where the shard's time goes, medians in ms:\n"
            + "  rows | submit->SUCCEEDED | RUNNING->SUCCEEDED | runner call | fetch (model and CSV"
            + " copied to the cache, hashed) | upload output (MB) | load, parse, predict, format and write |"
            + " formatting alone");
    for (int rows : breakdown.stream().mapToInt(b -> (int) b[0]).distinct().sorted().toArray()) {
      List<double[]> runs = breakdown.stream().filter(b -> b[0] == rows).toList();
      double run = RunnerBench.median(runs, 3);
      double fetch = RunnerBench.median(runs, 4);
      double upload = RunnerBench.median(runs, 5);
      System.out.printf(
          Locale.ROOT,
          "  %d | %.0f | %.0f | %.0f | %.0f | %.0f (%.1f) | %.0f | %.0f%n",
          rows,
          RunnerBench.median(runs, 1),
          RunnerBench.median(runs, 2),
          run,
          fetch,
          upload,
          RunnerBench.median(runs, 6) / 1e6,
          run - fetch - upload,
          formattingMs(rows));
    }
    System.out.printf(
        Locale.ROOT,
        "  direct model load (not in the direct time): median %.0f ms; \"formatting alone\": %d"
            + " scores per row written as the runner writes them (BigDecimal, 9 significant"
            + " digits), timed in this JVM%n",
        LatencyRun.quantile(loads.stream().mapToDouble(Double::doubleValue).toArray(), 0.5),
        classes);
    System.out.print(check);
  }

  /**
   * Milliseconds to format {@code rows} rows of scores as {@code InferenceRunner.format} does (the
   * same expression), best of three; for explaining the shard's per-row cost.
   */
  private double formattingMs(int rows) {
    MathContext digits = new MathContext(9, RoundingMode.HALF_EVEN);
    SplittableRandom random = new SplittableRandom(3);
    float[] scores = new float[rows * classes];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = (float) random.nextDouble(-5, 5);
    }
    double best = Double.MAX_VALUE;
    long chars = 0;
    for (int rep = 0; rep < 3; rep++) {
      long t = System.nanoTime();
      StringBuilder line = new StringBuilder(256);
      for (int r = 0; r < rows; r++) {
        line.setLength(0);
        for (int c = 0; c < classes; c++) {
          line.append(',').append(new BigDecimal(scores[r * classes + c]).round(digits).toString());
        }
        chars += line.length();
      }
      best = Math.min(best, (System.nanoTime() - t) / 1e6);
    }
    if (chars < 0) {
      throw new AssertionError(); // keeps the work from being optimised away
    }
    return best;
  }

  private static int sameClasses(Path csv, int[] expected) throws IOException {
    int same = 0;
    try (BufferedReader r = Files.newBufferedReader(csv)) {
      r.readLine(); // header row,class (and score0,... with parameters.scores)
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        int c1 = line.indexOf(',');
        int next = line.indexOf(',', c1 + 1);
        int c2 = next < 0 ? line.length() : next; // row,class[,scores...]
        int row = Integer.parseInt(line.substring(0, c1));
        if (Integer.parseInt(line.substring(c1 + 1, c2)) == expected[row]) {
          same++;
        }
      }
    }
    return same;
  }
}
