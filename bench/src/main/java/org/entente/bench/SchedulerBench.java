package org.entente.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.entente.coordinator.scheduler.Decisions;
import org.entente.coordinator.scheduler.FairShareInput;
import org.entente.coordinator.scheduler.NodeId;
import org.entente.coordinator.scheduler.NodeSnapshot;
import org.entente.coordinator.scheduler.PendingJob;
import org.entente.coordinator.scheduler.Place;
import org.entente.coordinator.scheduler.Placement;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.scheduler.RunningShard;
import org.entente.coordinator.scheduler.Scheduler;
import org.entente.coordinator.scheduler.ShardDemand;
import org.entente.coordinator.scheduler.ShardRef;
import org.entente.coordinator.scheduler.Snapshot;

/**
 * One scheduling pass over a large federation, against a plain first-fit baseline on the same input
 * in the same JVM: 10,000 nodes of 8 GPUs in five nations of different sizes (two GPU models, some
 * nodes labelled), 100,000 single-GPU shards in jobs of 1-4 shards plus 2,000 gangs of 8, mixed
 * nations, priorities and rules (about 20% with jurisdictions), quotas with borrowing and lending
 * limits, and optionally shards already running (which makes room for preemption). There are more
 * shards than GPUs, so some always wait. Both are warmed up, then run in interleaved rounds;
 * medians are printed. Meant to run on one core: {@code taskset -c 0}. Usage: {@code bench/run
 * SchedulerBench [--nodes 10000] [--shards 100000] [--gangs 2000] [--running 0] [--rounds 5]
 * [--warmup 3]}.
 */
public final class SchedulerBench {
  private static final long GIB = 1L << 30;
  private static final List<String> NATIONS = List.of("DE", "FR", "JP", "IT", "ES");
  private static final double[] NODE_SHARE = {0.35, 0.25, 0.20, 0.12, 0.08};
  private static final double[] JOB_SHARE = {0.30, 0.25, 0.20, 0.15, 0.10};

  private SchedulerBench() {}

  public static void main(String[] args) {
    int nodeCount = Args.integer(args, "--nodes", 10_000);
    int shardCount = Args.integer(args, "--shards", 100_000);
    int gangs = Args.integer(args, "--gangs", 2_000);
    int running = Args.integer(args, "--running", 0);
    int rounds = Args.integer(args, "--rounds", 5);
    int warmup = Args.integer(args, "--warmup", 3);
    Snapshot s = build(nodeCount, shardCount, gangs, running, new SplittableRandom(42));
    int pendingShards = s.pending().stream().mapToInt(j -> j.shards().size()).sum();
    System.out.printf(
        "scheduler pass: %d nodes x 8 GPUs = %d GPUs; %d pending shards in %d jobs"
            + " (%d single-GPU shards + %d gangs of 8); %d shards running; %d processor(s) visible%n",
        nodeCount,
        nodeCount * 8,
        pendingShards,
        s.pending().size(),
        shardCount,
        gangs,
        s.running().size(),
        Runtime.getRuntime().availableProcessors());

    // Other processes on the core show up as spread between rounds; the load says how busy it was.
    System.out.printf("system load average before: %.2f%n", loadAverage());
    for (int i = 0; i < warmup; i++) {
      Scheduler.schedule(s);
      FirstFitPlacer.place(s);
    }
    double[] schedSec = new double[rounds];
    double[] firstSec = new double[rounds];
    Decisions last = null;
    int firstPlaced = 0;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      last = Scheduler.schedule(s);
      long t1 = System.nanoTime();
      List<Place> ff = FirstFitPlacer.place(s);
      long t2 = System.nanoTime();
      schedSec[r] = (t1 - t0) / 1e9;
      firstSec[r] = (t2 - t1) / 1e9;
      firstPlaced = ff.size();
      System.out.printf(
          "round %d: scheduler %.3f s (%d placed, %d preempted, %d waiting); first-fit %.3f s (%d placed)%n",
          r + 1,
          schedSec[r],
          last.placements().size(),
          last.preemptions().size(),
          last.pending().size(),
          firstSec[r],
          ff.size());
    }
    double sched = median(schedSec);
    double first = median(firstSec);
    double schedBest = Arrays.stream(schedSec).min().orElseThrow();
    double firstBest = Arrays.stream(firstSec).min().orElseThrow();
    int placed = last.placements().size();
    int decided = placed + last.pending().size();
    double schedPlacements = placed / sched;
    double firstPlacements = firstPlaced / first;
    System.out.printf(
        "%nmedian of %d rounds:%n"
            + "  scheduler: pass %.3f s, %,.0f shards decided/s, %,.0f placements/s%n"
            + "  first-fit: pass %.3f s, %,.0f shards decided/s, %,.0f placements/s%n"
            + "  scheduler / first-fit placements/s = %.3f (fastest rounds: %.3f s and %.3f s)%n"
            + "  target: pass < 5 s and >= 20,000 placements/s on one core: %s%n",
        rounds,
        sched,
        decided / sched,
        schedPlacements,
        first,
        pendingShards / first,
        firstPlacements,
        schedPlacements / firstPlacements,
        schedBest,
        firstBest,
        sched < 5 && schedPlacements >= 20_000 ? "met" : "NOT met");
    System.out.printf("system load average after: %.2f%n", loadAverage());
    System.out.println("why shards wait (first words of the reason):");
    Map<String, Integer> why = new TreeMap<>();
    last.pending().values().forEach(v -> why.merge(head(v), 1, Integer::sum));
    why.forEach((k, v) -> System.out.printf("  %7d  %s%n", v, k));
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static String head(String reason) {
    int colon = reason.indexOf(':', reason.startsWith("gang") ? reason.indexOf(';') + 1 : 0);
    String h = colon < 0 ? reason : reason.substring(0, colon);
    return h.length() > 70 ? h.substring(0, 70) : h;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String pick(SplittableRandom rnd, double[] shares) {
    double x = rnd.nextDouble();
    for (int i = 0; i < shares.length; i++) {
      x -= shares[i];
      if (x < 0) {
        return NATIONS.get(i);
      }
    }
    return NATIONS.get(shares.length - 1);
  }

  static Snapshot build(
      int nodeCount, int shardCount, int gangs, int runningCount, SplittableRandom rnd) {
    List<NodeSnapshot> nodes = new ArrayList<>(nodeCount);
    Map<String, Long> gpusOf = new HashMap<>();
    int made = 0;
    for (int k = 0; k < NATIONS.size(); k++) {
      String nation = NATIONS.get(k);
      int count =
          k == NATIONS.size() - 1 ? nodeCount - made : (int) Math.round(nodeCount * NODE_SHARE[k]);
      for (int i = 0; i < count; i++) {
        boolean a100 = i % 3 == 0;
        Map<String, String> labels =
            i % 7 == 0 ? Map.of("zone", "secure") : i % 10 == 1 ? Map.of("net", "ib") : Map.of();
        nodes.add(
            new NodeSnapshot(
                new NodeId(nation, "gpu-" + i),
                new ResourceVector(8, 64, 512 * GIB),
                a100 ? 40 * GIB : 80 * GIB,
                a100 ? "A100" : "H100",
                labels,
                i % 500 != 499));
        gpusOf.merge(nation, 8L, Long::sum);
      }
      made += count;
    }
    ResourceVector one = new ResourceVector(1, 8, 64 * GIB);
    List<RunningShard> running = new ArrayList<>();
    for (int i = 0; i < runningCount; i++) {
      NodeSnapshot n = nodes.get(i % nodes.size());
      String nation = rnd.nextInt(4) == 0 ? pick(rnd, JOB_SHARE) : n.id().nation();
      running.add(
          new RunningShard(
              new ShardRef("run-" + i, 0), nation, rnd.nextInt(3), false, one, n.id(), i));
    }
    List<PendingJob> pending = new ArrayList<>();
    long[] orders = IntStream.range(0, shardCount + gangs).asLongStream().toArray();
    for (int i = orders.length - 1; i > 0; i--) {
      int k = rnd.nextInt(i + 1);
      long t = orders[i];
      orders[i] = orders[k];
      orders[k] = t;
    }
    for (int left = shardCount, j = 0; left > 0; j++) {
      int shards = Math.min(left, 1 + rnd.nextInt(4));
      left -= shards;
      pending.add(job("job-" + j, shards, false, one, orders[pending.size()], rnd));
    }
    for (int g = 0; g < gangs; g++) {
      pending.add(job("gang-" + g, 8, true, one, orders[pending.size()], rnd));
    }
    Map<String, Quota> quotas = new TreeMap<>();
    ResourceVector perGpu = new ResourceVector(1, 8, 64 * GIB);
    quotas.put(
        "DE", new Quota(perGpu.times(gpusOf.get("DE")), null, perGpu.times(gpusOf.get("DE") / 2)));
    quotas.put(
        "FR", new Quota(perGpu.times(gpusOf.get("FR")), perGpu.times(gpusOf.get("FR") / 5), null));
    quotas.put(
        "JP", new Quota(perGpu.times(gpusOf.get("JP")), null, perGpu.times(gpusOf.get("JP") / 4)));
    quotas.put(
        "IT", new Quota(perGpu.times(gpusOf.get("IT")), perGpu.times(gpusOf.get("IT") / 10), null));
    // ES has no entry: its contributed capacity, unlimited borrowing and lending.
    Map<String, FairShareInput> fair = new TreeMap<>();
    for (String nation : NATIONS) {
      double history = rnd.nextDouble() * gpusOf.get(nation) * 3600;
      fair.put(
          nation, new FairShareInput(history, history * 8, history * 64 * GIB, gpusOf.get(nation)));
    }
    return new Snapshot(nodes, running, pending, quotas, fair, 7);
  }

  private static PendingJob job(
      String id, int shards, boolean gang, ResourceVector one, long order, SplittableRandom rnd) {
    String nation = pick(rnd, JOB_SHARE);
    Set<String> jurisdictions = Set.of();
    int roll = rnd.nextInt(100);
    if (roll < 10) {
      jurisdictions = Set.of(nation);
    } else if (roll < 20) {
      String other = NATIONS.get((NATIONS.indexOf(nation) + 1 + rnd.nextInt(4)) % NATIONS.size());
      jurisdictions = Set.of(nation, other);
    }
    int rules = rnd.nextInt(100);
    Map<String, String> labels = rules < 4 ? Map.of("zone", "secure") : Map.of();
    String model = rules >= 90 ? (rules % 2 == 0 ? "H100" : "A100") : "";
    boolean spread = shards > 1 && rnd.nextInt(20) == 0;
    long gpuMemory = rnd.nextInt(10) == 0 ? 80 * GIB : 0;
    return new PendingJob(
        id,
        nation,
        rnd.nextInt(4),
        order,
        gang,
        new ShardDemand(one, gpuMemory),
        new Placement(jurisdictions, spread, labels, model),
        IntStream.range(0, shards).boxed().toList(),
        shards);
  }
}
