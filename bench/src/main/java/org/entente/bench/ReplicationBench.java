package org.entente.bench;

import static org.entente.bench.LoopbackFederation.NATIONS;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.entente.agent.shards.ReceiptSigner;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.ledger.TrackRecords;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.ShardOutput;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.security.LocalPki;
import org.entente.security.Sha256;

/**
 * The cost of verified work: the same burst of single-shard inference jobs, on a fresh federation
 * each time (so every node starts without a track record), run once per shard ({@code replicas:
 * 1}), always twice ({@code 2}) and adaptively ({@code adaptive}: twice until a node has {@code
 * trustAfter} agreeing results in a row, then checked at random with probability {@code
 * checkFraction}). Three coordinator replicas over mTLS on loopback, a three-server ZooKeeper
 * ensemble, and honest agents that report every assignment SUCCEEDED at once with the same output
 * (in the artifact store) and a signed receipt. Reports jobs completed per second against the
 * once-only mode in the same run, runs per job, and, from the stored ledger, how the replication
 * factor falls as nodes earn their records. Usage: {@code bench/run ReplicationBench [--jobs 2000]
 * [--submitters 16] [--nodes 10] [--trust-after 10] [--check-fraction 0.1] [--rounds 1]}.
 */
public final class ReplicationBench {
  private static final byte[] OUTPUT = "row,score\n1,0.5\n".getBytes(StandardCharsets.UTF_8);

  private ReplicationBench() {}

  private record Result(
      String mode,
      double jobsPerSecond,
      double runsPerJob,
      List<double[]> windows,
      int nodesRan,
      List<Long> trustedAt) {}

  public static void main(String[] args) throws Exception {
    int jobs = Args.integer(args, "--jobs", 2_000);
    int submitters = Args.integer(args, "--submitters", 16);
    int nodes = Args.integer(args, "--nodes", 10);
    int trustAfter = Args.integer(args, "--trust-after", 10);
    double fraction = Double.parseDouble(Args.text(args, "--check-fraction", "0.1"));
    int rounds = Args.integer(args, "--rounds", 2);
    System.out.printf(
        "replication bench: %d jobs from %d submitters, %d nodes per nation, trustAfter %d,"
            + " checkFraction %.2f, %d round(s); %d processor(s) visible%n",
        jobs,
        submitters,
        nodes,
        trustAfter,
        fraction,
        rounds,
        Runtime.getRuntime().availableProcessors());
    LocalPki pki = LocalPki.create(Clock.systemUTC(), NATIONS.toArray(String[]::new));
    SchedulingSettings scheduling =
        SchedulingSettings.defaults()
            .withTimings(
                Duration.ofSeconds(2),
                Duration.ofSeconds(15),
                Duration.ofMinutes(10),
                Duration.ofMillis(250))
            .withVerification(new SchedulingSettings.Verification(trustAfter, fraction));
    List<Result> results = new ArrayList<>();
    try (TestingCluster cluster = new TestingCluster(3)) {
      cluster.start();
      String connect = cluster.getConnectString();
      for (int r = 0; r < rounds; r++) {
        for (String mode :
            r % 2 == 0 ? List.of("1", "2", "adaptive") : List.of("adaptive", "2", "1")) {
          Result res =
              run(
                  pki,
                  connect,
                  "/replication-" + mode + "-" + r,
                  scheduling,
                  mode,
                  nodes,
                  jobs,
                  submitters,
                  trustAfter);
          results.add(res);
          System.out.printf(
              "round %d replicas=%-8s: %.0f jobs/s, %.2f runs per job%n",
              r + 1, mode, res.jobsPerSecond(), res.runsPerJob());
        }
      }
    }
    print(results, jobs, nodes, trustAfter);
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
      int trustAfter)
      throws Exception {
    String sha = HexFormat.of().formatHex(Sha256.newDigest().digest(OUTPUT));
    try (LoopbackFederation fed = LoopbackFederation.start(pki, connect, chroot, scheduling, 3)) {
      for (String n : fed.entries()) {
        fed.replica(n).artifacts().put(new ByteArrayInputStream(OUTPUT), sha, OUTPUT.length);
      }
      fed.connectAgents(
          nodes,
          NodeResources.newBuilder().setCpuCores(4_000).setMemoryBytes(1L << 40).build(),
          "cpu",
          keys -> {
            ReceiptSigner signer = new ReceiptSigner(keys, Clock.systemUTC());
            return a -> {
              long now = System.currentTimeMillis();
              return ShardReport.newBuilder()
                  .setJobId(a.getJobId())
                  .setShard(a.getShard())
                  .setAttempt(a.getAttempt())
                  .setPhase(ShardPhase.SHARD_PHASE_SUCCEEDED)
                  .setMessage("done")
                  .setAtUnixMs(now)
                  .setOutput(ShardOutput.newBuilder().setSha256(sha).setSizeBytes(OUTPUT.length))
                  .setReceipt(signer.sign(a, "SUCCEEDED", a.getPlacedAtUnixMs(), now, List.of(sha)))
                  .build();
            };
          });
      String leader = fed.leaderNation();
      // Warm-up (JIT), not counted: once-only jobs, so no node earns a record from it.
      SubmitBurst.run(
          fed, "w" + mode, 300, submitters, leader, Map.of(), Map.of("replicas", "1"), false);
      while (fed.jobsFinished("SUCCEEDED") < 300) {
        LockSupport.parkNanos(2_000_000);
      }
      double receipts0 = fed.ledgerEntries("receipt");
      double done0 = fed.jobsFinished("SUCCEEDED");
      long t0 = System.nanoTime();
      SubmitBurst.run(
          fed, "r" + mode, jobs, submitters, leader, Map.of(), Map.of("replicas", mode), false);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (fed.jobsFinished("SUCCEEDED") - done0 < jobs) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "only " + (fed.jobsFinished("SUCCEEDED") - done0) + " of " + jobs + " succeeded");
        }
        LockSupport.parkNanos(2_000_000);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double receipts = fed.ledgerEntries("receipt") - receipts0;
      try (CuratorFramework zk =
          CuratorFrameworkFactory.builder()
              .connectString(connect)
              .namespace(chroot.substring(1))
              .retryPolicy(new ExponentialBackoffRetry(100, 5))
              .build()) {
        zk.start();
        zk.blockUntilConnected(30, TimeUnit.SECONDS);
        List<byte[]> log = new LedgerStore(zk).readAll();
        return trace(mode, jobs / seconds, receipts / jobs, log, nodes * 3, trustAfter);
      }
    }
  }

  /**
   * Replays the stored log after the warm-up: runs per settled job in windows of 200 jobs, how many
   * nodes ran any measured work, and for each node that earned a record, how many jobs had settled
   * when it did.
   */
  private static Result trace(
      String mode, double rate, double runsPerJob, List<byte[]> log, int nodes, int trustAfter)
      throws Exception {
    TrackRecords tracks = new TrackRecords();
    java.util.Set<String> ran = new java.util.TreeSet<>();
    java.util.Set<String> trusted = new java.util.TreeSet<>();
    List<Long> trustedAt = new ArrayList<>();
    List<double[]> windows = new ArrayList<>();
    long settled = 0;
    long windowReceipts = 0;
    long windowJobs = 0;
    for (byte[] data : log) {
      LedgerEntry e = LedgerEntry.parseFrom(data);
      if (e.hasReceipt()) {
        var o = e.getReceipt().getObserved();
        if (o.getJobId().isEmpty() || isWarmup(o.getJobId(), log)) {
          continue;
        }
        windowReceipts++;
        ran.add(o.getNode());
        if (!o.getHeldForCheck()) {
          settled++; // unchecked: done in one run
          windowJobs++;
        }
      } else if (e.hasVerification()) {
        tracks.verdict(e.getVerification());
        if (!e.getVerification().getOutcome().equals("disagreement")) {
          settled++;
          windowJobs++;
        }
        for (var r : e.getVerification().getRunsList()) {
          if (tracks.trusted(r.getNode(), trustAfter) && trusted.add(r.getNode())) {
            trustedAt.add(settled);
          }
        }
      }
      if (windowJobs >= 200) {
        windows.add(new double[] {settled, (double) windowReceipts / windowJobs});
        windowReceipts = 0;
        windowJobs = 0;
      }
    }
    if (windowJobs > 0) {
      windows.add(new double[] {settled, (double) windowReceipts / windowJobs});
    }
    return new Result(mode, rate, runsPerJob, windows, ran.size(), trustedAt);
  }

  /** The warm-up's jobs are the first 300 the leader numbered ("j<epoch>-1" .. "-300"). */
  private static boolean isWarmup(String jobId, List<byte[]> unused) {
    int dash = jobId.lastIndexOf('-');
    try {
      return Long.parseLong(jobId.substring(dash + 1)) <= 300;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void print(List<Result> results, int jobs, int nodes, int trustAfter) {
    double once =
        AppendTable.median(
            results.stream()
                .filter(r -> r.mode().equals("1"))
                .mapToDouble(Result::jobsPerSecond)
                .toArray());
    System.out.println("\n  replicas   jobs/s   ÷ once   runs per job");
    for (String mode : List.of("1", "2", "adaptive")) {
      double[] rate =
          results.stream()
              .filter(r -> r.mode().equals(mode))
              .mapToDouble(Result::jobsPerSecond)
              .toArray();
      double[] runs =
          results.stream()
              .filter(r -> r.mode().equals(mode))
              .mapToDouble(Result::runsPerJob)
              .toArray();
      System.out.printf(
          "  %-8s  %7.0f  %7.2f  %13.2f%n",
          mode,
          AppendTable.median(rate),
          AppendTable.median(rate) / once,
          AppendTable.median(runs));
    }
    for (Result r : results) {
      if (r.mode().equals("adaptive")) {
        System.out.printf(
            "%n  adaptive, runs per job by jobs settled (%d nodes, trusted after %d agreeing"
                + " results):%n",
            nodes * 3, trustAfter);
        for (double[] w : r.windows()) {
          System.out.printf("    up to %5.0f jobs: %.2f runs per job%n", w[0], w[1]);
        }
        System.out.printf(
            "  %d of the %d nodes ran measured work (best fit packs it); %d earned a record, once"
                + " %s jobs had settled%n",
            r.nodesRan(), nodes * 3, r.trustedAt().size(), r.trustedAt());
      }
    }
  }
}
