package org.entente.bench;

import static org.entente.bench.LoopbackFederation.NATIONS;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.NodeResources;
import org.entente.security.LocalPki;

/**
 * Scheduling end to end: three coordinator replicas (DE, FR, JP) in this JVM over real mTLS on
 * loopback, a three-server ZooKeeper ensemble (Curator {@link TestingCluster}), and silent agents
 * that register and heartbeat but never run anything.
 *
 * <ol>
 *   <li>Baseline, same ensemble, same run: synchronous creates of znodes the size of a job record
 *       from one Curator client, one after the other (a design writing each job on its own), before
 *       and after the burst; the ratio uses their mean. Pipelined asynchronous creates and multis
 *       of 100 creates are printed for context.
 *   <li>Burst: N single-shard CPU jobs submitted through {@code FederationClient} by S threads, as
 *       operators of all three nations through all three replicas (two thirds of the threads call a
 *       replica that forwards to the leader). Submissions acknowledged per second, and committed
 *       placements per second: first submit until the leader's {@code entente_shards_placed_total}
 *       has grown by N, confirmed afterwards by reading every shard from ZooKeeper. Target:
 *       placements/s ÷ sync creates/s ≥ 1.
 *   <li>Latency: jobs submitted one at a time, each after the previous is placed; submit (just
 *       before the call) to shard PLACED in ZooKeeper (a persistent watch), on an idle pool before
 *       the burst and again after it (the burst's shards still held). Target: p99 &lt; 100 ms.
 * </ol>
 *
 * Usage: {@code bench/run SubmitBench [--jobs 10000] [--submitters 32] [--latency-jobs 200]
 * [--warmup 50] [--warmup-burst 2000] [--sync-creates 3000] [--record-bytes 600] [--nodes 10]
 * [--cores 4000] [--sample-us 0] [--replicas 3]}. For diagnosis, {@code --sample-us 5000} also
 * samples the leader's job loop and prints CPU by thread group during the burst ({@link
 * LoopSampler}, {@link CpuByThread}), and {@code --replicas 1} runs only DE's replica.
 */
public final class SubmitBench {
  private static final String CHROOT = "/bench";

  private SubmitBench() {}

  public static void main(String[] args) throws Exception {
    int jobs = Args.integer(args, "--jobs", 10_000);
    int submitters = Args.integer(args, "--submitters", 32);
    int latencyJobs = Args.integer(args, "--latency-jobs", 200);
    int warmup = Args.integer(args, "--warmup", 50);
    int warmupBurst = Args.integer(args, "--warmup-burst", 2_000);
    int syncCreates = Args.integer(args, "--sync-creates", 3_000);
    int recordBytes = Args.integer(args, "--record-bytes", 600);
    int nodes = Args.integer(args, "--nodes", 10);
    int cores = Args.integer(args, "--cores", 4_000);
    int sampleMicros = Args.integer(args, "--sample-us", 0);
    int replicaCount = Args.integer(args, "--replicas", 3);
    System.out.printf(
        "submit bench: %d jobs from %d submitters, %d latency jobs; %d nodes x %d cores per nation;"
            + " %d processor(s) visible%n",
        jobs, submitters, latencyJobs, nodes, cores, Runtime.getRuntime().availableProcessors());

    try (TestingCluster cluster = new TestingCluster(3)) {
      long t = System.nanoTime();
      cluster.start();
      String connect = cluster.getConnectString();
      try (CuratorFramework raw = client(connect, "/baseline");
          CuratorFramework reader = client(connect, CHROOT)) {
        System.out.printf(
            "ZooKeeper ensemble of 3 at %s up in %.1f s%n", connect, (System.nanoTime() - t) / 1e9);
        ZkCreateBaseline baseline = new ZkCreateBaseline(raw, recordBytes);
        baseline.sync(300); // warm-up
        double syncBefore = baseline.sync(syncCreates);
        double pipelined = baseline.pipelined(3 * syncCreates, 1000);
        double batched = baseline.batched(3 * syncCreates, 100);
        System.out.printf(
            "baseline, one Curator client, %d-byte znodes:%n"
                + "  synchronous creates, one at a time      %.0f /s (%d creates)%n"
                + "  pipelined async creates, window 1000    %.0f /s (%d creates)%n"
                + "  synchronous multis of 100 creates each  %.0f /s (%d creates)%n",
            recordBytes,
            syncBefore,
            syncCreates,
            pipelined,
            3 * syncCreates,
            batched,
            3 * syncCreates);

        SchedulingSettings scheduling =
            SchedulingSettings.defaults()
                .withTimings(
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(15),
                    Duration.ofMinutes(10), // silent agents never report: keep their shards
                    Duration.ofMillis(250));
        LocalPki pki = LocalPki.create(Clock.systemUTC(), NATIONS.toArray(String[]::new));
        try (LoopbackFederation fed =
            LoopbackFederation.start(pki, connect, CHROOT, scheduling, replicaCount)) {
          fed.connectAgents(
              nodes,
              NodeResources.newBuilder().setCpuCores(cores).setMemoryBytes(1L << 40).build());
          String leader = fed.leaderNation();
          System.out.printf(
              "replicas %s up, leader %s; %d silent agents registered%n",
              fed.entries(), leader, nodes * NATIONS.size());

          // Warm-up (JIT): a few jobs one at a time, then a smaller burst, neither measured.
          LatencyRun.run(fed, connect, CHROOT, "warmup", warmup, leader);
          if (warmupBurst > 0) {
            SubmitBurst w = SubmitBurst.run(fed, "warmup-burst", warmupBurst, submitters, leader);
            System.out.printf(
                "warm-up burst of %d jobs: %.0f placements/s (not counted)%n",
                warmupBurst, w.placeRate());
          }
          long heldBefore = (long) fed.shardsPlaced();
          LatencyRun idle = LatencyRun.run(fed, connect, CHROOT, "idle", latencyJobs, leader);
          LoopSampler sampler = sampleMicros > 0 ? LoopSampler.start(sampleMicros) : null;
          CpuByThread cpu = CpuByThread.start();
          long z0 = zxid(raw);
          long r0 = ZkRequestCount.received(cluster);
          ZkCreateBaseline.Probe probe = baseline.probe(100);
          SubmitBurst burst = SubmitBurst.run(fed, "burst", jobs, submitters, leader);
          double[] probed = probe.stop();
          long requests = ZkRequestCount.received(cluster) - r0;
          long transactions = zxid(raw) - z0 - 1 - probed.length;
          if (sampler != null) {
            sampler.stopAndPrint("burst profile, one sample every " + sampleMicros + " us");
          }
          cpu.print("burst CPU", jobs, sampler != null ? 20 : 0);
          LoopSampler afterSampler = sampleMicros > 0 ? LoopSampler.start(sampleMicros) : null;
          long heldAfter = (long) fed.shardsPlaced();
          LatencyRun loaded = LatencyRun.run(fed, connect, CHROOT, "after", latencyJobs, leader);
          if (afterSampler != null) {
            afterSampler.stopAndPrint("latency run after the burst, profile");
          }
          // Placement throughput with a backlog: jobs wait until nodes with their label join, then
          // the leader places them all; submission cost is out of the measured window.
          SubmitBurst.run(
              fed, "backlog", jobs, submitters, leader, Map.of("pool", "backlog"), false);
          double backlog0 = fed.shardsPlaced();
          long b0 = System.nanoTime();
          fed.connectAgents(
              1,
              NodeResources.newBuilder()
                  .setCpuCores(4000)
                  .setMemoryBytes(1L << 40)
                  .putLabels("pool", "backlog")
                  .build(),
              "backlog");
          long bRegistered = System.nanoTime();
          while (fed.shardsPlaced() - backlog0 < jobs) {
            if (System.nanoTime() - b0 > TimeUnit.MINUTES.toNanos(5)) {
              throw new IllegalStateException("backlog not placed within 5 minutes");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
          }
          double backlogSeconds = (System.nanoTime() - b0) / 1e9;
          double backlogRate = jobs / backlogSeconds;
          Verified v = verify(reader);
          double syncAfter = baseline.sync(syncCreates);
          double sync = (syncBefore + syncAfter) / 2;

          System.out.printf(
              "%nburst of %d single-shard jobs, %d submitters (%s), leader %s:%n"
                  + "  submissions acknowledged   %.0f /s (%.2f s; %d retried, %d failed)%n"
                  + "  placements committed       %.0f /s (first submit -> all %d PLACED: %.2f s)%n"
                  + "  assignments on agents      %.0f /s (%.2f s)%n"
                  + "  requeued during the run    %.0f%n"
                  + "  ZooKeeper transactions     %d during the burst, %.2f per job%n"
                  + "  ZooKeeper requests         %d received by the 3 servers, %.1f per job%n"
                  + "  a lone sync create meanwhile p50 %.1f ms, p99 %.1f ms (%d probes, 1 per 100 ms)%n",
              jobs,
              submitters,
              burst.viaReplica(),
              leader,
              burst.ackRate(),
              burst.ackSeconds(),
              burst.retried(),
              burst.failed(),
              burst.placeRate(),
              jobs,
              burst.placeSeconds(),
              burst.assignRate(),
              burst.assignSeconds(),
              fed.shardsRequeued(),
              transactions,
              transactions / (double) jobs,
              requests,
              requests / (double) jobs,
              LatencyRun.quantile(probed, 0.5),
              LatencyRun.quantile(probed, 0.99),
              probed.length);
          System.out.printf(
              "ZooKeeper check: %d jobs, shard 0 states %s; job record %d bytes, shard %d bytes;"
                  + " %d agent streams ended%n",
              v.jobs(), v.states(), v.jobBytes(), v.shardBytes(), fed.endedAgents());
          System.out.printf(
              "%nsynchronous creates: %.0f /s before, %.0f /s after the burst, mean %.0f /s%n"
                  + "placements/s / sync creates/s  = %.2f (target >= 1.0; before %.2f, after %.2f)%n"
                  + "placements/s / pipelined creates/s = %.2f, / multi creates/s = %.2f (context)%n",
              syncBefore,
              syncAfter,
              sync,
              burst.placeRate() / sync,
              burst.placeRate() / syncBefore,
              burst.placeRate() / syncAfter,
              burst.placeRate() / pipelined,
              burst.placeRate() / batched);
          System.out.printf(
              "%nbacklog of %d pending single-shard jobs, placed when 3 labelled nodes join"
                  + " (registration %.2f s included):%n"
                  + "  placements committed       %.0f /s (%.2f s)%n"
                  + "  placements/s / sync creates/s = %.2f (target >= 1.0)%n",
              jobs, (bRegistered - b0) / 1e9, backlogRate, backlogSeconds, backlogRate / sync);
          idle.print("idle pool before the burst, " + heldBefore + " shards held", latencyJobs);
          loaded.print("idle pool after the burst, " + heldAfter + " shards held", latencyJobs);
          System.out.printf(
              "submit -> PLACED p99 / 100 ms = %.2f idle, %.2f after the burst (target < 1.0)%n",
              idle.placed(0.99) / 100.0, loaded.placed(0.99) / 100.0);
        }
      }
    }
  }

  private record Verified(int jobs, Map<String, Integer> states, int jobBytes, int shardBytes) {}

  /** Reads every job's shard 0 from ZooKeeper (pipelined) and counts the states. */
  private static Verified verify(CuratorFramework zk) throws Exception {
    List<String> ids = zk.getChildren().forPath(ZkPaths.JOBS);
    Map<String, Integer> states = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(ids.size());
    for (String id : ids) {
      zk.getData()
          .inBackground(
              (c, e) -> {
                String s =
                    e.getResultCode() == 0
                        ? Json.read(e.getData(), ShardRecord.class).state().name()
                        : "unreadable";
                states.merge(s, 1, Integer::sum);
                done.countDown();
              })
          .forPath(ZkPaths.shard(id, 0));
    }
    if (!done.await(2, TimeUnit.MINUTES)) {
      throw new IllegalStateException("could not read every shard back");
    }
    String any = ids.get(0);
    return new Verified(
        ids.size(),
        new TreeMap<>(states),
        zk.getData().forPath(ZkPaths.job(any)).length,
        zk.getData().forPath(ZkPaths.shard(any, 0)).length);
  }

  /** The ensemble's latest zxid: each committed transaction (a multi counts once) adds one. */
  private static long zxid(CuratorFramework zk) throws Exception {
    Stat stat = new Stat();
    zk.create()
        .storingStatIn(stat)
        .creatingParentsIfNeeded()
        .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
        .forPath("/marks/m-");
    return stat.getCzxid();
  }

  private static CuratorFramework client(String connect, String chroot)
      throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .namespace(chroot.substring(1))
            .retryPolicy(new ExponentialBackoffRetry(100, 5, 1000))
            .build();
    c.start();
    if (!c.blockUntilConnected(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Curator client did not connect to " + connect);
    }
    return c;
  }
}
