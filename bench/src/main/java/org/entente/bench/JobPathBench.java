package org.entente.bench;

import static org.entente.bench.LoopbackFederation.NATIONS;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.test.TestingCluster;
import org.entente.agent.shards.ReceiptSigner;
import org.entente.coordinator.SchedulingSettings;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.security.LocalPki;

/**
 * What the contribution ledger costs on the job path, end to end: three coordinator replicas over
 * mTLS on loopback and a three-server ZooKeeper ensemble, with agents that report every shard
 * RUNNING and then SUCCEEDED as soon as it is assigned, so the pool never fills and each placement
 * is followed at once by the attempt's closure. Two modes, alternated in rounds in the same JVM on
 * the same ensemble, each round on a fresh federation:
 *
 * <ul>
 *   <li><b>receipts</b>: every SUCCEEDED report carries a usage receipt the agent signed with its
 *       node key ({@link ReceiptSigner}); the leader verifies it on the gRPC thread, matches it and
 *       logs it dual-signed;
 *   <li><b>none</b>: agents send no receipt; the leader closes each attempt alone (a leader-only
 *       entry crediting nothing). The seals, checkpoints and scheduling entries remain, so the
 *       difference between the modes is what receipts cost.
 * </ul>
 *
 * Per round and mode: a latency run (jobs one at a time, submit to PLACED in ZooKeeper, p50/p99),
 * then a burst of {@code --jobs} single-shard jobs from {@code --submitters} threads: committed
 * placements per second (first submit until the leader has placed them all) and closures per second
 * (until every attempt is closed in the ledger). The ratios of receipts to none are the cost.
 * Usage: {@code bench/run JobPathBench [--jobs 3000] [--submitters 32] [--latency-jobs 200]
 * [--rounds 2] [--nodes 10]}.
 */
public final class JobPathBench {
  private JobPathBench() {}

  private record Result(
      String mode,
      double placedPerSecond,
      double closedPerSecond,
      double p50,
      double p99,
      double receipts,
      double leaderOnly) {}

  public static void main(String[] args) throws Exception {
    int jobs = Args.integer(args, "--jobs", 3_000);
    int submitters = Args.integer(args, "--submitters", 32);
    int latencyJobs = Args.integer(args, "--latency-jobs", 200);
    int rounds = Args.integer(args, "--rounds", 2);
    int nodes = Args.integer(args, "--nodes", 10);
    System.out.printf(
        "job path bench: bursts of %d jobs from %d submitters, %d latency jobs, %d rounds, %d nodes"
            + " per nation; %d processor(s) visible%n",
        jobs, submitters, latencyJobs, rounds, nodes, Runtime.getRuntime().availableProcessors());
    LocalPki pki = LocalPki.create(Clock.systemUTC(), NATIONS.toArray(String[]::new));
    SchedulingSettings scheduling =
        SchedulingSettings.defaults()
            .withTimings(
                Duration.ofSeconds(2),
                Duration.ofSeconds(15),
                Duration.ofMinutes(10),
                Duration.ofMillis(250));
    List<Result> results = new ArrayList<>();
    try (TestingCluster cluster = new TestingCluster(3)) {
      cluster.start();
      String connect = cluster.getConnectString();
      for (int r = 0; r < rounds; r++) {
        for (String mode : r % 2 == 0 ? List.of("receipts", "none") : List.of("none", "receipts")) {
          Result res =
              run(
                  pki,
                  connect,
                  "/jobpath-" + mode + "-" + r,
                  scheduling,
                  mode,
                  nodes,
                  jobs,
                  submitters,
                  latencyJobs);
          results.add(res);
          System.out.printf(
              "round %d %-8s: %.0f placements/s, %.0f closures/s, submit->PLACED p50 %.1f ms p99"
                  + " %.1f ms; ledger: %.0f dual-signed, %.0f leader-only%n",
              r + 1,
              mode,
              res.placedPerSecond(),
              res.closedPerSecond(),
              res.p50(),
              res.p99(),
              res.receipts(),
              res.leaderOnly());
        }
      }
    }
    print(results);
  }

  private static Result run(
      LocalPki pki,
      String connect,
      String chroot,
      SchedulingSettings scheduling,
      String mode,
      int nodes,
      int jobs,
      int submitters,
      int latencyJobs)
      throws Exception {
    boolean receipts = mode.equals("receipts");
    try (LoopbackFederation fed = LoopbackFederation.start(pki, connect, chroot, scheduling, 3)) {
      fed.connectAgents(
          nodes,
          NodeResources.newBuilder().setCpuCores(4_000).setMemoryBytes(1L << 40).build(),
          "cpu",
          keys -> {
            ReceiptSigner signer = new ReceiptSigner(keys, Clock.systemUTC());
            return a -> {
              long now = System.currentTimeMillis();
              ShardReport.Builder b =
                  ShardReport.newBuilder()
                      .setJobId(a.getJobId())
                      .setShard(a.getShard())
                      .setAttempt(a.getAttempt())
                      .setPhase(ShardPhase.SHARD_PHASE_SUCCEEDED)
                      .setMessage("done")
                      .setAtUnixMs(now);
              if (receipts) {
                b.setReceipt(signer.sign(a, "SUCCEEDED", a.getPlacedAtUnixMs(), now, List.of()));
              }
              return b.build();
            };
          });
      String leader = fed.leaderNation();
      // Warm-up (JIT), not counted.
      LatencyRun.run(fed, connect, chroot, "warmup", 50, leader);
      SubmitBurst.run(fed, "warmup-burst", Math.min(jobs, 1_000), submitters, leader);
      awaitClosed(fed, fed.shardsPlaced());
      LatencyRun latency = LatencyRun.run(fed, connect, chroot, "latency", latencyJobs, leader);
      awaitClosed(fed, fed.shardsPlaced());
      double closed0 = closed(fed);
      long t0 = System.nanoTime();
      SubmitBurst burst = SubmitBurst.run(fed, "burst", jobs, submitters, leader);
      awaitClosed(fed, closed0 + jobs);
      double closeSeconds = (System.nanoTime() - t0) / 1e9;
      return new Result(
          mode,
          burst.placeRate(),
          jobs / closeSeconds,
          latency.placed(0.5),
          latency.placed(0.99),
          fed.ledgerEntries("receipt"),
          fed.ledgerEntries("leader-only"));
    }
  }

  private static double closed(LoopbackFederation fed) {
    return fed.ledgerEntries("receipt") + fed.ledgerEntries("leader-only");
  }

  private static void awaitClosed(LoopbackFederation fed, double count) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (closed(fed) < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + closed(fed) + " of " + count + " attempts closed within 5 minutes");
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  private static void print(List<Result> results) {
    System.out.println(
        "\n  mode      placements/s  closures/s  PLACED p50 ms  p99 ms   (medians over rounds)");
    double[] rec = summary(results, "receipts");
    double[] none = summary(results, "none");
    for (var e : List.of(java.util.Map.entry("receipts", rec), java.util.Map.entry("none", none))) {
      double[] s = e.getValue();
      System.out.printf(
          "  %-8s  %12.0f  %10.0f  %13.1f  %6.1f%n", e.getKey(), s[0], s[1], s[2], s[3]);
    }
    System.out.printf(
        "  receipts / none: placements %.2f, closures %.2f, PLACED p50 %.2f, p99 %.2f%n",
        rec[0] / none[0], rec[1] / none[1], rec[2] / none[2], rec[3] / none[3]);
  }

  private static double[] summary(List<Result> results, String mode) {
    List<Result> m = results.stream().filter(r -> r.mode().equals(mode)).toList();
    return new double[] {
      AppendTable.median(m.stream().mapToDouble(Result::placedPerSecond).toArray()),
      AppendTable.median(m.stream().mapToDouble(Result::closedPerSecond).toArray()),
      AppendTable.median(m.stream().mapToDouble(Result::p50).toArray()),
      AppendTable.median(m.stream().mapToDouble(Result::p99).toArray())
    };
  }
}
