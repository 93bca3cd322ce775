package org.entente.bench;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.entente.agent.djl.Architecture;
import org.entente.agent.djl.Architectures;
import org.entente.agent.djl.CsvExamples;
import org.entente.agent.djl.DataPartition;
import org.entente.agent.djl.Examples;
import org.entente.agent.djl.LocalTrainer;
import org.entente.agent.shards.RoundUpdate;
import org.entente.coordinator.training.FedAvg;
import org.entente.coordinator.training.RoundAggregator;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ShardResources;

/**
 * FedAvg round overhead for a model of about a million parameters across three nations: a training
 * job of three shards, one per nation (each shard pinned by its data partition's jurisdiction),
 * through {@link DjlFederation} (replicas DE, FR, JP and one agent each in this JVM, real mTLS on
 * loopback; a three-server ZooKeeper ensemble by default). Target: at most 200 ms per round beyond
 * local compute.
 *
 * <p>Definitions. A round closes when its last update arrives, so the round's overhead is the
 * closing shard's wait:
 *
 * <ul>
 *   <li><b>Overhead of round r</b>: for the shard that started its exchange last in round r, the
 *       time its {@code ShardServices.exchange} call took (recorded by {@link ShardTimings} around
 *       the agent's own services): the values cut into chunks, 4.3 MB uploaded to its nation's
 *       replica, relayed to the leader when that replica does not lead (another 4.3 MB), the
 *       weighted average of the three updates, the checkpoint encoded, hashed and stored in the
 *       replicated artifact store (copied synchronously to the two other replicas), the round
 *       recorded in the job in ZooKeeper, and the average downloaded (relayed back when relayed).
 *       Split, on the wall clock, at the leader's {@code closed_at} (from the round's record) and
 *       at the moment the leader logged the round as recorded (captured by {@link LogTimes}): "to
 *       close" (upload, relay, the leader's round thread taking the update; {@code closed_at} is
 *       taken before averaging), "store and record" (average, checkpoint encoded, hashed, stored
 *       and replicated, round written to ZooKeeper), "answer back" (download, relayed). Wall-clock
 *       milliseconds, so each part is good to about 1 ms.
 *   <li><b>Runner extra</b>: the same shard's time between rounds that is neither its steps nor the
 *       exchange (copying parameters out of and into DJL, logging): its exchange start in round r
 *       minus its exchange end in round r−1 minus its {@code computeMs}.
 *   <li><b>Local compute</b>: the closing shard's {@code computeMs} for the round. The three
 *       in-process shards share DJL's one gradient collector, so their steps take turns and this is
 *       about three times one shard's steps alone (also printed: the same steps on one trainer in
 *       this JVM after the job, median of 20).
 *   <li><b>Baselines, same process</b>: {@link RoundEcho}, the agent's round client exchanging the
 *       same update (same values, same header) with a bare TrainingService over loopback mTLS that
 *       echoes it (one upload and one download, nothing else), before and after the job (20
 *       unmeasured exchanges first each time); and the in-process {@link FedAvg#average} of three
 *       such updates plus encoding and hashing the checkpoint, for scale. The headline ratio is
 *       overhead p50 ÷ echo p50.
 * </ul>
 *
 * The first {@code --warmup} rounds are left out. Percentiles are nearest-rank over the measured
 * rounds.
 *
 * <p>Usage: {@code bench/run FedAvgBench [--rounds 60] [--warmup 20] [--local-steps 10] [--batch
 * 32] [--rows 1000] [--inputs 784] [--hidden 1024,256] [--classes 10] [--zk 3] [--echo-reps 30]
 * [--cpu 0]}; {@code --cpu 1} prints CPU by thread group during the job ({@link CpuByThread}; "per
 * job" there means per round).
 */
public final class FedAvgBench {
  private FedAvgBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = Args.integer(args, "--rounds", 60);
    int warmup = Args.integer(args, "--warmup", 20);
    int localSteps = Args.integer(args, "--local-steps", 10);
    int batch = Args.integer(args, "--batch", 32);
    int rows = Args.integer(args, "--rows", 1000);
    int zkServers = Args.integer(args, "--zk", 3);
    int echoReps = Args.integer(args, "--echo-reps", 30);
    boolean cpu = Args.integer(args, "--cpu", 0) == 1;
    Map<String, String> model =
        Map.of(
            "model", "mlp",
            "inputs", Args.text(args, "--inputs", "784"),
            "hidden", Args.text(args, "--hidden", "1024,256"),
            "classes", Args.text(args, "--classes", "10"));
    Architecture arch = Architectures.fromJobParameters(model);
    Path dir = Files.createTempDirectory("entente-fedavg-bench");
    AutoCloseable zk = null;
    try {
      String connect;
      if (zkServers == 3) {
        TestingCluster c = new TestingCluster(3);
        c.start();
        zk = c;
        connect = c.getConnectString();
      } else {
        TestingServer s = new TestingServer(true);
        zk = s;
        connect = s.getConnectString();
      }
      Map<String, SyntheticData.File> data = new HashMap<>();
      long seed = 100;
      for (String n : DjlFederation.NATIONS) {
        data.put(
            n,
            SyntheticData.write(
                dir.resolve(n).resolve("train.csv"),
                rows,
                arch.features(),
                arch.classes(),
                true,
                seed++));
      }
      Examples de =
          CsvExamples.readLabelled(
              data.get("DE").path(),
              "DE",
              arch.features(),
              arch.classes(),
              new DataPartition(data.get("DE").artifact(""), 0, 1, 0));

      try (LocalTrainer alone = new LocalTrainer(arch, de, batch, 0.01f, 1, 1, Device.cpu())) {
        RoundUpdate update =
            new RoundUpdate(
                "echo",
                0,
                1,
                1,
                localSteps * batch,
                1.0,
                arch.header(alone.layout(), 0),
                alone.values(),
                0);
        System.out.printf(
            Locale.ROOT,
            "fedavg bench: %s, %d parameters (%.1f MB as float32); 3 shards (DE, FR, JP), %d rows"
                + " each; %d rounds (first %d left out) of %d local steps, batch %d; ZooKeeper"
                + " servers %d; %d processor(s); load average %s%n",
            arch,
            update.values().length,
            update.values().length * 4 / 1e6,
            rows,
            rounds,
            warmup,
            localSteps,
            batch,
            zkServers,
            Runtime.getRuntime().availableProcessors(),
            loadAverage());
        try (RoundEcho echo = new RoundEcho()) {
          List<Double> echoBefore = echo(echo, update, echoReps);
          double aloneBefore = stepsAlone(alone, localSteps);
          FedAvgRounds job =
              runJob(
                  connect,
                  dir,
                  data,
                  model,
                  rounds,
                  localSteps,
                  batch,
                  update.values().length,
                  cpu);
          List<Double> echoAfter = echo(echo, update, echoReps);
          double aloneAfter = stepsAlone(alone, localSteps);
          double averageMs = inProcessAverage(update);
          job.print(warmup, aloneBefore, aloneAfter, echoBefore, echoAfter, averageMs);
        }
      }
      System.out.printf("load average at the end: %s%n", loadAverage());
    } finally {
      if (zk != null) {
        zk.close();
      }
      RunnerBench.deleteTree(dir);
    }
  }

  /** Median time of {@code localSteps} steps on one trainer, 20 times after 3; milliseconds. */
  private static double stepsAlone(LocalTrainer t, int localSteps) {
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      long start = System.nanoTime();
      t.steps(localSteps);
      if (i >= 3) {
        ms.add((System.nanoTime() - start) / 1e6);
      }
    }
    return quantile(ms, 0.5);
  }

  private static List<Double> echo(RoundEcho echo, RoundUpdate update, int reps) throws Exception {
    for (int i = 0; i < 20; i++) {
      echo.exchange(update);
    }
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      ms.add(echo.exchange(update));
    }
    return ms;
  }

  /** Median of: FedAvg of three copies, then the checkpoint encoded and hashed; milliseconds. */
  private static double inProcessAverage(RoundUpdate u) throws Exception {
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      long t = System.nanoTime();
      float[] avg =
          FedAvg.average(
              List.of(
                  new FedAvg.Weighted(u.values(), 320),
                  new FedAvg.Weighted(u.values(), 320),
                  new FedAvg.Weighted(u.values(), 320)));
      byte[] bytes = new ModelFile(u.model(), avg).toBytes();
      MessageDigest.getInstance("SHA-256").digest(bytes);
      if (i >= 3) {
        ms.add((System.nanoTime() - t) / 1e6);
      }
    }
    return quantile(ms, 0.5);
  }

  private static FedAvgRounds runJob(
      String connect,
      Path dir,
      Map<String, SyntheticData.File> data,
      Map<String, String> model,
      int rounds,
      int localSteps,
      int batch,
      int values,
      boolean cpu)
      throws Exception {
    try (DjlFederation fed = DjlFederation.start(connect, "/bench", dir.resolve("federation"), 1)) {
      String leader = fed.leaderNation();
      JobSpec.Builder spec =
          JobSpec.newBuilder()
              .setName("fedavg-bench")
              .setKind("training")
              .setShards(3)
              .setGang(true)
              .setRetryLimit(0)
              .setResources(ShardResources.newBuilder().setCpus(1))
              .putAllParameters(model)
              .putParameters("rounds", Integer.toString(rounds))
              .putParameters("localSteps", Integer.toString(localSteps))
              .putParameters("batchSize", Integer.toString(batch))
              .putParameters("learningRate", "0.01")
              .putParameters("seed", "1")
              .putParameters("minShards", "3")
              .putParameters("roundTimeout", "60s");
      for (String n : DjlFederation.NATIONS) {
        spec.addData(data.get(n).artifact(n));
      }
      long t = System.nanoTime();
      Map<Integer, Long> recorded = new HashMap<>();
      JobStatus s;
      String id;
      try (LogTimes log = LogTimes.attach(RoundAggregator.class)) {
        CpuByThread threads = cpu ? CpuByThread.start() : null;
        id = fed.submit(spec.build());
        s = fed.await(id, 3, Duration.ofMinutes(20), 50);
        if (cpu) {
          threads.print("CPU during the job", rounds, 16);
        }
        Pattern closed =
            Pattern.compile("job " + Pattern.quote(id) + ": round (\\d+) closed by .*");
        for (LogTimes.Line l : log.lines()) {
          Matcher m = closed.matcher(l.message());
          if (m.matches()) {
            recorded.put(Integer.parseInt(m.group(1)), l.atMs());
          }
        }
      }
      System.out.printf(
          "job %s: %d rounds in %.1f s, leader %s%n",
          id, rounds, (System.nanoTime() - t) / 1e9, leader);
      return new FedAvgRounds(
          leader, s, fed.timings().exchanges(id), recorded, storeAlone(fed, dir, values));
    }
  }

  /**
   * What storing a checkpoint costs on its own, after the job, on the same replicas: {@code
   * ReplicatedArtifacts.put} of a fresh model-sized file on the leader (stored, synced, copied to
   * both other replicas, which sync too), and writing and syncing the same bytes to a plain file in
   * the same directory tree. Medians of 10 after 2 unmeasured; milliseconds.
   */
  private static double[] storeAlone(DjlFederation fed, Path dir, int values) throws Exception {
    List<Double> put = new ArrayList<>();
    List<Double> sync = new ArrayList<>();
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    for (int i = 0; i < 12; i++) {
      byte[] bytes = new byte[Math.toIntExact(values * 4)];
      for (int b = 0; b < bytes.length; b += 64) {
        bytes[b] = (byte) random.nextInt();
      }
      bytes[0] = (byte) i;
      String sha =
          java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      long t0 = System.nanoTime();
      fed.leader().artifacts().put(new java.io.ByteArrayInputStream(bytes), sha, bytes.length);
      long t1 = System.nanoTime();
      Path f = dir.resolve("sync-" + i);
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(
              f,
              java.nio.file.StandardOpenOption.CREATE_NEW,
              java.nio.file.StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      long t2 = System.nanoTime();
      if (i >= 2) {
        put.add((t1 - t0) / 1e6);
        sync.add((t2 - t1) / 1e6);
      }
    }
    return new double[] {quantile(put, 0.5), quantile(sync, 0.5)};
  }

  static double quantile(List<Double> values, double q) {
    return LatencyRun.quantile(values.stream().mapToDouble(Double::doubleValue).toArray(), q);
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }
}
