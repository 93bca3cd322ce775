package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Builds snapshots for scheduler tests, and replays decisions onto them the way the edge does:
 * placed shards start running, preempted shards wait again. Not thread-safe.
 */
final class SnapshotFixture {
  static final long GIB = 1L << 30;

  private final List<NodeSnapshot> nodes = new ArrayList<>();
  private final List<RunningShard> running = new ArrayList<>();
  private final Map<String, PendingJob> pending = new LinkedHashMap<>();
  private final Map<String, PendingJob> jobs = new HashMap<>();
  private final Map<String, Quota> quotas = new TreeMap<>();
  private final Map<String, FairShareInput> fairShare = new TreeMap<>();
  private long seed = 1;
  private long order;
  private long startOrder;

  /** {@code g} GPUs with one CPU and 1 GiB each, so that only GPUs ever bind. */
  static ResourceVector gpus(long g) {
    return new ResourceVector(g, g, g * GIB);
  }

  /** A quota on GPUs only: CPUs and memory are plentiful. */
  static Quota gpuQuota(long nominal, Long borrowingLimit, Long lendingLimit) {
    return new Quota(
        plenty(nominal),
        borrowingLimit == null ? null : plenty(borrowingLimit),
        lendingLimit == null ? null : plenty(lendingLimit));
  }

  private static ResourceVector plenty(long g) {
    return new ResourceVector(g, 1_000_000, 1_000_000 * GIB);
  }

  SnapshotFixture node(String nation, String name, int gpus) {
    return node(
        new NodeSnapshot(
            new NodeId(nation, name),
            new ResourceVector(gpus, 64, 512 * GIB),
            gpus == 0 ? 0 : 80 * GIB,
            gpus == 0 ? "" : "H100",
            Map.of(),
            true));
  }

  SnapshotFixture node(NodeSnapshot n) {
    nodes.add(n);
    return this;
  }

  SnapshotFixture job(String id, String nation, int priority, int shards, long gpusEach) {
    return job(id, nation, priority, false, shards, gpusEach, Placement.ANY);
  }

  SnapshotFixture gang(String id, String nation, int priority, int shards, long gpusEach) {
    return job(id, nation, priority, true, shards, gpusEach, Placement.ANY);
  }

  SnapshotFixture job(
      String id,
      String nation,
      int priority,
      boolean gang,
      int shards,
      long gpusEach,
      Placement placement) {
    return job(
        new PendingJob(
            id,
            nation,
            priority,
            order++,
            gang,
            new ShardDemand(gpus(gpusEach), 0),
            placement,
            IntStream.range(0, shards).boxed().toList(),
            shards));
  }

  SnapshotFixture job(PendingJob j) {
    pending.put(j.jobId(), j);
    jobs.put(j.jobId(), j);
    return this;
  }

  /** A job already running, shard i on {@code nodeNames[i]} of the same nation as its name says. */
  SnapshotFixture running(
      String id, String nation, int priority, boolean gang, long gpusEach, String... nodeIds) {
    PendingJob template =
        new PendingJob(
            id,
            nation,
            priority,
            order++,
            gang,
            new ShardDemand(gpus(gpusEach), 0),
            Placement.ANY,
            IntStream.range(0, nodeIds.length).boxed().toList(),
            nodeIds.length);
    jobs.put(id, template);
    for (int i = 0; i < nodeIds.length; i++) {
      String[] parts = nodeIds[i].split("/");
      running.add(
          new RunningShard(
              new ShardRef(id, i),
              nation,
              priority,
              gang,
              gpus(gpusEach),
              new NodeId(parts[0], parts[1]),
              startOrder++));
    }
    return this;
  }

  SnapshotFixture quota(String nation, Quota q) {
    quotas.put(nation, q);
    return this;
  }

  SnapshotFixture fairShare(String nation, FairShareInput f) {
    fairShare.put(nation, f);
    return this;
  }

  SnapshotFixture seed(long s) {
    seed = s;
    return this;
  }

  Snapshot snapshot() {
    return new Snapshot(nodes, running, List.copyOf(pending.values()), quotas, fairShare, seed);
  }

  Decisions schedule() {
    return Scheduler.schedule(snapshot());
  }

  List<RunningShard> running() {
    return List.copyOf(running);
  }

  /** What the edge does with decisions: placed shards run, preempted ones wait again. */
  SnapshotFixture apply(Decisions d) {
    Map<String, List<Integer>> requeued = new TreeMap<>();
    for (Preempt p : d.preemptions()) {
      RunningShard victim =
          running.stream().filter(r -> r.ref().equals(p.victim())).findFirst().orElseThrow();
      running.remove(victim);
      requeued.computeIfAbsent(p.victim().jobId(), k -> new ArrayList<>()).add(p.victim().index());
    }
    requeued.forEach(this::requeue);
    Map<String, List<Integer>> started = new LinkedHashMap<>();
    for (Place p : d.placements()) {
      PendingJob j = pending.get(p.shard().jobId());
      running.add(
          new RunningShard(
              p.shard(),
              j.nation(),
              j.priority(),
              j.gang(),
              j.demand().resources(),
              p.node(),
              startOrder++));
      started.computeIfAbsent(j.jobId(), k -> new ArrayList<>()).add(p.shard().index());
    }
    started.forEach(
        (jobId, indexes) -> {
          PendingJob j = pending.get(jobId);
          List<Integer> left = new ArrayList<>(j.shards());
          left.removeAll(indexes);
          if (left.isEmpty()) {
            pending.remove(jobId);
          } else {
            pending.put(jobId, with(j, left));
          }
        });
    return this;
  }

  private void requeue(String jobId, List<Integer> indexes) {
    PendingJob now = pending.get(jobId);
    List<Integer> shards = new ArrayList<>(now == null ? List.of() : now.shards());
    shards.addAll(indexes);
    shards.sort(null);
    pending.put(jobId, with(jobs.get(jobId), shards));
  }

  private static PendingJob with(PendingJob j, List<Integer> shards) {
    return new PendingJob(
        j.jobId(),
        j.nation(),
        j.priority(),
        j.order(),
        j.gang(),
        j.demand(),
        j.placement(),
        shards,
        j.totalShards());
  }
}
