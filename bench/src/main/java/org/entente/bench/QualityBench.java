package org.entente.bench;

import ai.djl.Device;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.entente.agent.djl.Architecture;
import org.entente.agent.djl.Architectures;
import org.entente.agent.djl.CsvExamples;
import org.entente.agent.djl.DataPartition;
import org.entente.agent.djl.Examples;
import org.entente.agent.djl.LocalTrainer;
import org.entente.cli.demo.DemoData;
import org.entente.coordinator.training.FedAvg;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ShardResources;

/**
 * Federated result quality: the accuracy on a held-out set of a model trained with FedAvg across
 * three nations' deliberately different (non-IID) data, against the same model trained centrally on
 * the union of that data. The data are the demo's ({@link DemoData}: 4 classes, 8 features, each
 * nation holding mostly two classes, a balanced held-out set no nation trains on), and the model
 * and plan the demo's by default (MLP 8-32-4, 12 rounds of 25 local steps, batch 32, learning rate
 * 0.05).
 *
 * <p>Definitions, per seed {@code s} (data drawn with {@code DemoData(s)}, job seed {@code s}):
 *
 * <ul>
 *   <li><b>Federated</b>: a real training job through {@link DjlFederation} (three replicas and one
 *       agent per nation in this JVM, mTLS on loopback, one ZooKeeper server), three shards, shard
 *       i pinned to nation i by its partition's jurisdiction, R rounds of L local steps; the job's
 *       final checkpoint is downloaded from the artifact store and evaluated.
 *   <li><b>Simulated</b>: the same rounds in this process with the product's pieces and none of the
 *       federation: three {@link LocalTrainer}s (initial values from seed s, shard i shuffling with
 *       s + i, as the runner does), and {@link FedAvg#average} weighted by each partition's size
 *       (as the runner weighs its update). Printed as a check: the federated parameters should
 *       equal these.
 *   <li><b>Central, same sequential steps</b>: one {@link LocalTrainer} on the union of the three
 *       partitions (initial values from s, shuffled with s), R × L steps of the same batch size and
 *       learning rate. Each federated shard takes R × L steps too, so this matches the number of
 *       updates in sequence (the depth of the optimisation), but sees a third of the examples the
 *       federation saw.
 *   <li><b>Central, same examples</b>: 3 × R × L steps: as many gradient computations and examples
 *       as the three shards together.
 *   <li><b>Local only</b>: each nation's model trained alone for R × L steps on its own partition
 *       (mean over the nations), to show what federation buys on non-IID data.
 * </ul>
 *
 * Reported: each accuracy and the ratios federated ÷ central, per seed and as a mean over seeds.
 * There is no pass mark in the issue; the ratio is the figure to watch.
 *
 * <p>Usage: {@code bench/run QualityBench [--seeds 5] [--rounds 12] [--local-steps 25] [--batch 32]
 * [--learning-rate 0.05] [--hidden 32] [--rows 1500] [--held-out 1200]}.
 */
public final class QualityBench {
  private QualityBench() {}

  public static void main(String[] args) throws Exception {
    int seeds = Args.integer(args, "--seeds", 5);
    int rounds = Args.integer(args, "--rounds", 12);
    int localSteps = Args.integer(args, "--local-steps", 25);
    int batch = Args.integer(args, "--batch", 32);
    String learningRate = Args.text(args, "--learning-rate", "0.05");
    int rows = Args.integer(args, "--rows", 1500);
    int heldOutRows = Args.integer(args, "--held-out", 1200);
    Map<String, String> model =
        Map.of(
            "model",
            "mlp",
            "inputs",
            Integer.toString(DemoData.FEATURES),
            "hidden",
            Args.text(args, "--hidden", "32"),
            "classes",
            Integer.toString(DemoData.CLASSES));
    Plan plan =
        new Plan(
            Architectures.fromJobParameters(model),
            model,
            rounds,
            localSteps,
            batch,
            Float.parseFloat(learningRate),
            learningRate);
    System.out.printf(
        Locale.ROOT,
        "quality bench: %s; %d rows per nation (DE, FR, JP, non-IID), %d held out; %d rounds x %d"
            + " local steps, batch %d, learning rate %s; seeds 1..%d%n",
        plan.arch(),
        rows,
        heldOutRows,
        rounds,
        localSteps,
        batch,
        learningRate,
        seeds);
    Path dir = Files.createTempDirectory("entente-quality-bench");
    List<double[]> results = new ArrayList<>();
    try (TestingServer zk = new TestingServer(true);
        DjlFederation fed =
            DjlFederation.start(zk.getConnectString(), "/bench", dir.resolve("federation"), 1)) {
      System.out.printf(
          "%nseed  federated  simulated (max |diff| of parameters)  central R*L  central 3*R*L"
              + "  local only  fed/central R*L  fed/central 3*R*L%n");
      for (int s = 1; s <= seeds; s++) {
        double[] r = seed(fed, plan, s, dir.resolve("seed-" + s), rows, heldOutRows);
        results.add(r);
        System.out.printf(
            Locale.ROOT,
            "%4d  %9.4f  %9.4f (%.1e)                  %11.4f  %13.4f  %10.4f  %15.3f  %17.3f%n",
            s,
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[0] / r[3],
            r[0] / r[4]);
      }
    } finally {
      RunnerBench.deleteTree(dir);
    }
    double fed = mean(results, 0);
    System.out.printf(
        Locale.ROOT,
        "mean  %9.4f  %9.4f                            %11.4f  %13.4f  %10.4f  %15.3f  %17.3f%n",
        fed,
        mean(results, 1),
        mean(results, 3),
        mean(results, 4),
        mean(results, 5),
        fed / mean(results, 3),
        fed / mean(results, 4));
  }

  /** The model and training plan shared by every run. */
  private record Plan(
      Architecture arch,
      Map<String, String> model,
      int rounds,
      int localSteps,
      int batch,
      float learningRate,
      String learningRateText) {}

  /**
   * One seed: federated, simulated, central (two step counts) and local-only accuracies, and the
   * largest parameter difference between federated and simulated.
   */
  private static double[] seed(
      DjlFederation fed, Plan plan, long seed, Path dir, int rows, int heldOutRows)
      throws Exception {
    List<String> nations = DjlFederation.NATIONS;
    DemoData.Written data = new DemoData(seed).write(dir, nations, rows, heldOutRows);
    List<Examples> parts = new ArrayList<>();
    for (String n : nations) {
      parts.add(read(data.partitions().get(n).path(), plan.arch(), true));
    }
    Examples held = read(data.heldOut().path(), plan.arch(), false);
    Examples heldOut =
        new Examples(held.width(), held.features(), data.heldOutLabels(), held.rows());

    float[] federated = federated(fed, plan, seed, data, dir);
    float[] simulated = simulate(plan, seed, parts);
    double maxDiff = 0;
    for (int i = 0; i < federated.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(federated[i] - simulated[i]));
    }
    Examples union = union(parts);
    int steps = plan.rounds() * plan.localSteps();
    double local = 0;
    for (int i = 0; i < parts.size(); i++) {
      local += accuracy(plan, seed, seed + i, parts.get(i), steps, null, heldOut);
    }
    return new double[] {
      accuracy(plan, seed, seed, union, 0, federated, heldOut),
      accuracy(plan, seed, seed, union, 0, simulated, heldOut),
      maxDiff,
      accuracy(plan, seed, seed, union, steps, null, heldOut),
      accuracy(plan, seed, seed, union, parts.size() * steps, null, heldOut),
      local / parts.size()
    };
  }

  /** Runs the job and returns its final checkpoint's parameters. */
  private static float[] federated(
      DjlFederation fed, Plan plan, long seed, DemoData.Written data, Path dir) throws Exception {
    JobSpec.Builder spec =
        JobSpec.newBuilder()
            .setName("quality-bench")
            .setKind("training")
            .setShards(DjlFederation.NATIONS.size())
            .setGang(true)
            .setRetryLimit(0)
            .setResources(ShardResources.newBuilder().setCpus(1))
            .putAllParameters(plan.model())
            .putParameters("rounds", Integer.toString(plan.rounds()))
            .putParameters("localSteps", Integer.toString(plan.localSteps()))
            .putParameters("batchSize", Integer.toString(plan.batch()))
            .putParameters("learningRate", plan.learningRateText())
            .putParameters("seed", Long.toString(seed))
            .putParameters("minShards", Integer.toString(DjlFederation.NATIONS.size()))
            .putParameters("roundTimeout", "60s");
    for (String n : DjlFederation.NATIONS) {
      DemoData.File f = data.partitions().get(n);
      spec.addData(
          Artifact.newBuilder()
              .setUri(f.path().toAbsolutePath().toUri().toString())
              .setSha256(f.sha256())
              .setJurisdiction(n));
    }
    String id = fed.submit(spec.build());
    JobStatus s = fed.await(id, DjlFederation.NATIONS.size(), Duration.ofMinutes(10), 50);
    if (s.getTraining().getCheckpoint().getRound() != plan.rounds()) {
      throw new IllegalStateException(
          "job " + id + " ended at round " + s.getTraining().getCheckpoint().getRound());
    }
    Path model = fed.download(s.getTraining().getCheckpoint().getSha256(), dir.resolve("model"));
    try (InputStream in = Files.newInputStream(model)) {
      return ModelFile.read(in).values();
    }
  }

  /** The same rounds in this process: local trainers and the coordinator's average. */
  private static float[] simulate(Plan plan, long seed, List<Examples> parts) {
    List<LocalTrainer> trainers = new ArrayList<>();
    try {
      for (int i = 0; i < parts.size(); i++) {
        trainers.add(trainer(plan, seed, seed + i, parts.get(i)));
      }
      float[] average = null;
      for (int r = 0; r < plan.rounds(); r++) {
        List<FedAvg.Weighted> updates = new ArrayList<>();
        for (int i = 0; i < trainers.size(); i++) {
          LocalTrainer t = trainers.get(i);
          t.steps(plan.localSteps());
          // Weighted by partition size, as the training runner sends it.
          updates.add(new FedAvg.Weighted(t.values(), parts.get(i).size()));
        }
        average = FedAvg.average(updates);
        for (LocalTrainer t : trainers) {
          t.load(average);
        }
      }
      return average;
    } finally {
      trainers.forEach(LocalTrainer::close);
    }
  }

  /**
   * Held-out accuracy of a trainer on {@code data} after {@code steps} steps, or of {@code values}
   * when given (then no steps are taken).
   */
  private static double accuracy(
      Plan plan,
      long initSeed,
      long shuffleSeed,
      Examples data,
      int steps,
      float[] values,
      Examples heldOut) {
    try (LocalTrainer t = trainer(plan, initSeed, shuffleSeed, data)) {
      if (values != null) {
        t.load(values);
      } else {
        t.steps(steps);
      }
      return t.evaluate(heldOut).accuracy();
    }
  }

  private static LocalTrainer trainer(Plan plan, long initSeed, long shuffleSeed, Examples data) {
    return new LocalTrainer(
        plan.arch(), data, plan.batch(), plan.learningRate(), initSeed, shuffleSeed, Device.cpu());
  }

  private static Examples read(Path csv, Architecture arch, boolean labelled) throws Exception {
    Artifact a = Artifact.newBuilder().setUri(csv.toUri().toString()).build();
    DataPartition all = new DataPartition(a, 0, 1, 0);
    return labelled
        ? CsvExamples.readLabelled(csv, csv.toString(), arch.features(), arch.classes(), all)
        : CsvExamples.readFeatures(csv, csv.toString(), arch.features(), all);
  }

  /** The partitions one after the other. */
  private static Examples union(List<Examples> parts) {
    int width = parts.get(0).width();
    int n = parts.stream().mapToInt(Examples::size).sum();
    float[] features = new float[n * width];
    int[] labels = new int[n];
    long[] rows = new long[n];
    int at = 0;
    for (Examples p : parts) {
      System.arraycopy(p.features(), 0, features, at * width, p.size() * width);
      System.arraycopy(p.labels(), 0, labels, at, p.size());
      for (int i = 0; i < p.size(); i++) {
        rows[at + i] = at + i;
      }
      at += p.size();
    }
    return new Examples(width, features, labels, rows);
  }

  private static double mean(List<double[]> results, int i) {
    return results.stream().mapToDouble(r -> r[i]).average().orElse(Double.NaN);
  }
}
