package org.entente.bench;

import static org.entente.bench.LoopbackFederation.NATIONS;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.entente.agent.AgentSettings;
import org.entente.agent.Backoff;
import org.entente.agent.NodeAgent;
import org.entente.agent.shards.RunnerRegistry;
import org.entente.agent.shards.ShardRunner;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.ArrayRange;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;

/**
 * The classic HPC placement workload end to end, as a Slurm site would test it: {@code --nodes}
 * real {@link NodeAgent}s (8 GPUs, 64 CPUs, 512 GiB each; in DE, FR, JP by turns; each with its own
 * node certificate and mTLS stream), three coordinator replicas with production settings, a
 * 3-server ZooKeeper ensemble, all in this JVM. Job k of {@code --jobs} (default 5,500) is, for k %
 * 11 == 10, a gang of 4 shards of 8 GPUs (one whole node each), else one shard of 1 GPU; charged to
 * nation [DE, FR, JP][k % 3]; every shard really runs on its agent for {@code --run-ms} (2 s, a
 * runner that sleeps) and reports. Quotas: each nation's nominal is the whole pool, so capacity is
 * the only limit.
 *
 * <p>Two runs on the same federation, one after the other: jobs submitted one call each, in order k
 * = 0, 1, ... by {@code --submitters} threads taking the next k; then the same jobs as six job
 * arrays (singles and gangs of each nation). Each reports shards started per second (first submit
 * until the last shard's runner started on its agent), the makespan against the ideal (GPU-seconds
 * of work over the pool's GPUs, from the first submit to the last start: 21,000 GPU-jobs of 2 s on
 * 4,096 GPUs is 10.25 s), submit-to-running p50/p99 per job (until its last shard started), CPU of
 * the process by thread group, the attempts of every shard as read from ZooKeeper, the runner
 * starts per (shard, attempt) (duplicates), and failed jobs.
 *
 * <p>Usage: {@code bench/run ClusterShapeBench [--nodes 512] [--jobs 5500] [--run-ms 2000]
 * [--submitters 16] [--runs separate,array] [--warmup 200]}.
 */
public final class ClusterShapeBench {
  private static final String CHROOT = "/shape";
  private static final Clock CLOCK = Clock.systemUTC();

  private ClusterShapeBench() {}

  /** Runner starts on the agents: key "job/shard" to attempts started, with first start times. */
  private static final Map<String, List<Integer>> STARTS = new ConcurrentHashMap<>();

  private static final Map<String, Long> FIRST_START = new ConcurrentHashMap<>();
  private static final AtomicLong LAST_START = new AtomicLong();

  public static void main(String[] args) throws Exception {
    int nodes = Args.integer(args, "--nodes", 512);
    int jobs = Args.integer(args, "--jobs", 5_500);
    int runMs = Args.integer(args, "--run-ms", 2_000);
    int submitters = Args.integer(args, "--submitters", 16);
    int warmup = Args.integer(args, "--warmup", 200);
    List<String> runs = List.of(Args.text(args, "--runs", "separate,array").split(","));
    int gpus = 8;
    System.out.printf(
        "cluster shape bench: %d nodes x %d GPUs, %d jobs, shards run %d ms; %d processor(s)%n",
        nodes, gpus, jobs, runMs, Runtime.getRuntime().availableProcessors());

    ShardRunner sleeper =
        (a, context) -> {
          String key = a.getJobId() + "/" + a.getShard();
          long now = System.nanoTime();
          STARTS
              .computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
              .add(a.getAttempt());
          FIRST_START.putIfAbsent(key, now);
          LAST_START.accumulateAndGet(now, Math::max);
          if (context.awaitCancellation(Duration.ofMillis(runMs))) {
            throw new java.util.concurrent.CancellationException("cancelled");
          }
          return "slept " + runMs + " ms";
        };
    RunnerRegistry runners = RunnerRegistry.of(Map.of("inference", sleeper));

    long poolGpus = (long) nodes * gpus;
    Map<String, Quota> quotas = new TreeMap<>();
    // Each nation's nominal is the whole pool, so no nation borrows and none reclaims: capacity
    // is the only limit (a third each would make a nation's quota reclaim preempt another's jobs).
    for (String n : NATIONS) {
      quotas.put(
          n, Quota.unlimited(new ResourceVector(poolGpus, nodes * 64L, nodes * (512L << 30))));
    }
    SchedulingSettings scheduling = SchedulingSettings.defaults().withQuotas(quotas);

    try (TestingCluster cluster = new TestingCluster(3)) {
      cluster.start();
      String connect = cluster.getConnectString();
      LocalPki pki = LocalPki.create(CLOCK, NATIONS.toArray(String[]::new));
      ScheduledExecutorService agentTimers = Executors.newScheduledThreadPool(4);
      List<NodeAgent> agents = new ArrayList<>();
      try (LoopbackFederation fed = LoopbackFederation.start(pki, connect, CHROOT, scheduling, 3);
          CuratorFramework reader = client(connect)) {
        long t = System.nanoTime();
        for (int i = 0; i < nodes; i++) {
          String n = NATIONS.get(i % 3);
          List<String> order = new ArrayList<>();
          order.add(fed.replica(n).address());
          for (String m : NATIONS) {
            if (!m.equals(n)) {
              order.add(fed.replica(m).address());
            }
          }
          KeyMaterial keys = pki.issue(new Identity(n, Role.NODE, String.format("gpu-%04d", i)));
          NodeAgent a =
              new NodeAgent(
                  new AgentSettings(
                      keys,
                      pki.bundle(),
                      order,
                      new Backoff(Duration.ofMillis(200), Duration.ofSeconds(3)),
                      Duration.ofSeconds(10)),
                  () -> node(gpus),
                  CLOCK,
                  new SplittableRandom(i),
                  agentTimers,
                  runners);
          agents.add(a);
          a.start();
        }
        awaitUntil(Duration.ofMinutes(3), () -> agents.stream().allMatch(NodeAgent::isRegistered));
        System.out.printf(
            "%d agents registered in %.1f s; leader %s%n",
            nodes, (System.nanoTime() - t) / 1e9, fed.leaderNation());

        if (warmup > 0) {
          Run w = Run.separate(fed, "warmup", warmup, submitters, 200);
          w.awaitStarted(Duration.ofMinutes(2));
          w.awaitFinished(fed, Duration.ofMinutes(2));
          System.out.printf("warm-up: %d jobs run (not counted)%n", warmup);
        }
        for (String kind : runs) {
          CpuByThread cpu = CpuByThread.start();
          Run r =
              switch (kind.strip()) {
                case "separate" -> Run.separate(fed, "sep", jobs, submitters, runMs);
                case "array" -> Run.arrays(fed, "arr", jobs, runMs);
                default -> throw new IllegalArgumentException("--runs: separate or array");
              };
          r.awaitStarted(Duration.ofMinutes(10));
          double makespan = r.makespanSeconds();
          cpu.print(kind + " run, until the last shard started", r.shards(), 12);
          r.awaitFinished(fed, Duration.ofMinutes(10));
          r.report(kind, makespan, poolGpus, runMs, fed, reader);
        }
        // Agents before the replicas, or they spend the shutdown reconnecting.
        agents.forEach(NodeAgent::close);
      } finally {
        agents.forEach(NodeAgent::close);
        agentTimers.shutdownNow();
      }
    }
    System.exit(0);
  }

  private static NodeResources node(int gpus) {
    NodeResources.Builder b = NodeResources.newBuilder().setCpuCores(64).setMemoryBytes(512L << 30);
    for (int g = 0; g < gpus; g++) {
      b.addGpus(Gpu.newBuilder().setIndex(g).setModel("H100").setMemoryBytes(80L << 30));
    }
    return b.build();
  }

  static boolean gang(int k) {
    return k % 11 == 10;
  }

  static JobSpec spec(String prefix, boolean gang, int runMs) {
    return JobSpec.newBuilder()
        .setName(prefix + (gang ? "-gang" : "-one"))
        .setKind("inference")
        .setShards(gang ? 4 : 1)
        .setGang(gang)
        .setResources(ShardResources.newBuilder().setGpus(gang ? 8 : 1).setCpus(gang ? 8 : 1))
        .putParameters("replicas", "1")
        .putParameters("duration", runMs + "ms")
        .build();
  }

  /** One run's submissions and what became of them. */
  private static final class Run {
    final long t0 = System.nanoTime();
    double finishedBefore;
    final List<String> ids = new ArrayList<>();
    final Map<String, Long> submittedAt = new ConcurrentHashMap<>();
    final Map<String, Integer> shardsOf = new ConcurrentHashMap<>();
    int shards;
    long retried;
    int gpuUnits;

    static Run separate(LoopbackFederation fed, String prefix, int jobs, int submitters, int runMs)
        throws Exception {
      Run r = new Run();
      r.finishedBefore = finished(fed);
      String[] ids = new String[jobs];
      AtomicInteger next = new AtomicInteger();
      AtomicLong retries = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(submitters);
      List<Future<?>> done = new ArrayList<>();
      for (int s = 0; s < submitters; s++) {
        done.add(
            pool.submit(
                () -> {
                  for (int k; (k = next.getAndIncrement()) < jobs; ) {
                    String nation = NATIONS.get(k % 3);
                    // Through every replica by turns: two in three calls are forwarded.
                    String entry = NATIONS.get((k / 3) % 3);
                    SubmitJobRequest req =
                        SubmitJobRequest.newBuilder()
                            .setSpec(spec(prefix, gang(k), runMs))
                            .setNation(nation)
                            .setRequestId(prefix + "-" + k + "-" + r.t0)
                            .build();
                    long at = System.nanoTime();
                    String id = null;
                    for (int attempt = 0; id == null; attempt++) {
                      try {
                        id = fed.client(nation, entry).jobs(st -> st.submitJob(req)).getJobId();
                      } catch (io.grpc.StatusRuntimeException e) {
                        if (attempt >= 5) {
                          throw e;
                        }
                        retries.incrementAndGet();
                      }
                    }
                    ids[k] = id;
                    r.submittedAt.put(id, at);
                    r.shardsOf.put(id, gang(k) ? 4 : 1);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      r.ids.addAll(Arrays.asList(ids));
      r.retried = retries.get();
      r.count(jobs);
      return r;
    }

    /** The same jobs as six arrays: each nation's singles, then each nation's gangs. */
    static Run arrays(LoopbackFederation fed, String prefix, int jobs, int runMs) {
      Run r = new Run();
      r.finishedBefore = finished(fed);
      for (boolean gang : new boolean[] {false, true}) {
        for (int n = 0; n < 3; n++) {
          List<Integer> ks = new ArrayList<>();
          for (int k = n; k < jobs; k += 3) {
            if (gang(k) == gang) {
              ks.add(k);
            }
          }
          if (ks.isEmpty()) {
            continue;
          }
          String nation = NATIONS.get(n);
          SubmitJobRequest.Builder req =
              SubmitJobRequest.newBuilder()
                  .setSpec(spec(prefix, gang, runMs))
                  .setNation(nation)
                  .setRequestId(prefix + "-" + nation + "-" + gang + "-" + r.t0);
          for (int k : ks) {
            req.addArray(ArrayRange.newBuilder().setFirst(k).setLast(k).setStep(1));
          }
          long at = System.nanoTime();
          var resp = fed.client(nation, nation).jobs(st -> st.submitJob(req.build()));
          for (String id : resp.getJobIdsList()) {
            r.ids.add(id);
            r.submittedAt.put(id, at);
            r.shardsOf.put(id, gang ? 4 : 1);
          }
        }
      }
      r.count(jobs);
      return r;
    }

    private void count(int jobs) {
      shards = shardsOf.values().stream().mapToInt(Integer::intValue).sum();
      gpuUnits = 0;
      for (int k = 0; k < jobs; k++) {
        gpuUnits += gang(k) ? 32 : 1;
      }
      if (ids.size() != jobs) {
        throw new IllegalStateException(ids.size() + " job ids for " + jobs + " jobs");
      }
    }

    int shards() {
      return shards;
    }

    void awaitStarted(Duration within) throws InterruptedException {
      awaitUntil(
          within,
          () -> {
            for (String id : ids) {
              for (int s = 0; s < shardsOf.get(id); s++) {
                if (!FIRST_START.containsKey(id + "/" + s)) {
                  return false;
                }
              }
            }
            return true;
          });
    }

    /** Waits until every job of this run has ended (the leader counts each once). */
    void awaitFinished(LoopbackFederation fed, Duration within) throws InterruptedException {
      awaitUntil(within, () -> finished(fed) >= finishedBefore + ids.size());
    }

    static double finished(LoopbackFederation fed) {
      return fed.jobsFinished("SUCCEEDED") + fed.jobsFinished("FAILED");
    }

    double makespanSeconds() {
      long last = 0;
      for (String id : ids) {
        for (int s = 0; s < shardsOf.get(id); s++) {
          last = Math.max(last, FIRST_START.get(id + "/" + s));
        }
      }
      return (last - t0) / 1e9;
    }

    void report(
        String kind,
        double makespan,
        long poolGpus,
        int runMs,
        LoopbackFederation fed,
        CuratorFramework reader)
        throws Exception {
      double ideal = gpuUnits * (runMs / 1000.0) / poolGpus;
      long[] toRunning = new long[ids.size()];
      int i = 0;
      for (String id : ids) {
        long last = 0;
        for (int s = 0; s < shardsOf.get(id); s++) {
          last = Math.max(last, FIRST_START.get(id + "/" + s));
        }
        toRunning[i++] = last - submittedAt.get(id);
      }
      Arrays.sort(toRunning);
      Map<Integer, Integer> attempts = new TreeMap<>();
      int duplicates = 0;
      int notSucceeded = 0;
      for (String id : ids) {
        for (int s = 0; s < shardsOf.get(id); s++) {
          byte[] data = reader.getData().forPath(ZkPaths.shard(id, s));
          ShardRecord rec = Json.read(data, ShardRecord.class);
          attempts.merge(rec.attempt(), 1, Integer::sum);
          if (!rec.state().name().equals("SUCCEEDED")) {
            notSucceeded++;
          }
          List<Integer> started = STARTS.get(id + "/" + s);
          if (started.size() != new java.util.HashSet<>(started).size()) {
            duplicates++;
          }
        }
      }
      System.out.printf(
          "%n%s run: %d jobs (%d shards, %d GPU-jobs of %d ms)%n"
              + "  shards started/s (first submit to last shard running)  %.0f%n"
              + "  makespan %.2f s, ideal %.2f s: %.2f x ideal (target <= 1.3)%n"
              + "  submit -> all shards running, p50 %.0f ms, p99 %.0f ms, max %.0f ms%n"
              + "  attempts per shard (from ZooKeeper): %s%n"
              + "  shards not SUCCEEDED %d; shards whose attempt started twice %d;"
              + " submissions retried %d%n"
              + "  placements %.0f, requeues %.0f, jobs FAILED so far %.0f%n",
          kind,
          ids.size(),
          shards,
          gpuUnits,
          runMs,
          shards / makespan,
          makespan,
          ideal,
          makespan / ideal,
          toRunning[toRunning.length / 2] / 1e6,
          toRunning[(int) (toRunning.length * 0.99)] / 1e6,
          toRunning[toRunning.length - 1] / 1e6,
          attempts,
          notSucceeded,
          duplicates,
          retried,
          fed.shardsPlaced(),
          fed.shardsRequeued(),
          fed.jobsFinished("FAILED"));
    }
  }

  private static CuratorFramework client(String connect) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .namespace(CHROOT.substring(1))
            .retryPolicy(new ExponentialBackoffRetry(100, 5))
            .build();
    c.start();
    if (!c.blockUntilConnected(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Curator client did not connect to " + connect);
    }
    return c;
  }

  private static void awaitUntil(Duration within, java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("not done after " + within.toSeconds() + " s");
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
