package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One run of {@link Scheduler} over one snapshot: builds the pass's state, serves nations in fair
 * share order and collects the decisions. Single use; not thread-safe.
 */
final class SchedulingPass {
  /** What makes two shards equally placeable within a pass, for remembering failures. */
  private record Shape(
      String nation,
      int priority,
      ShardDemand demand,
      Placement placement,
      int gangSize,
      String spreadJob,
      Map<Integer, String> shardJurisdictions,
      Map<Integer, Placement> shardPlacements) {}

  private record EligibilityKey(Placement placement, long gpuMemoryBytes, boolean needsGpus) {}

  /** The pools whose static attributes admit a job, and how many nations they span. */
  private record Eligible(List<NodePool> pools, Set<NodePool> poolSet, int nations) {}

  private final Snapshot snapshot;
  private final NodeIndex nodes;
  private final CohortQuota quota;
  private final FairShare fairShare;
  private final Map<String, List<RunningEntry>> runningByJob = new HashMap<>();
  private final PreemptionPlanner preemption;
  private final NoFitExplainer explainer = new NoFitExplainer(Constraint.ALL);
  private final Map<Shape, String> failures = new HashMap<>();
  private final Map<EligibilityKey, Eligible> eligibility = new HashMap<>();
  private final List<Place> places = new ArrayList<>();
  private final List<Preempt> preempts = new ArrayList<>();
  private final Map<ShardRef, String> pending = new LinkedHashMap<>();

  SchedulingPass(Snapshot snapshot, double tauSeconds) {
    this.snapshot = snapshot;
    this.nodes = new NodeIndex(snapshot.nodes(), snapshot.seed());
    TreeSet<String> nations = new TreeSet<>(snapshot.quotas().keySet());
    nations.addAll(snapshot.fairShare().keySet());
    Map<String, ResourceVector> contributed = new TreeMap<>();
    ResourceVector pool = ResourceVector.ZERO;
    for (NodeState n : nodes.nodes()) {
      contributed.merge(n.nation(), n.snapshot.capacity(), ResourceVector::plus);
      pool = pool.plus(n.snapshot.capacity());
    }
    nations.addAll(contributed.keySet());
    snapshot.running().forEach(r -> nations.add(r.nation()));
    snapshot.pending().forEach(j -> nations.add(j.nation()));
    this.quota = new CohortQuota(new ArrayList<>(nations), snapshot.quotas(), contributed);
    this.fairShare = new FairShare(quota, snapshot.fairShare(), pool, tauSeconds);

    List<List<RunningEntry>> byNation = new ArrayList<>();
    for (int i = 0; i < quota.size(); i++) {
      byNation.add(new ArrayList<>());
    }
    List<RunningShard> running = new ArrayList<>(snapshot.running());
    int seq = 0;
    running.sort((a, b) -> a.ref().compareTo(b.ref()));
    for (RunningShard r : running) {
      NodeState node = nodes.byId(r.node());
      RunningEntry e = new RunningEntry(r, node, quota.index(r.nation()), seq++);
      if (node != null) {
        node.running.add(e);
        nodes.adjust(node, r.resources(), -1);
      }
      quota.adjust(e.nation, r.resources(), +1);
      byNation.get(e.nation).add(e);
      runningByJob.computeIfAbsent(r.ref().jobId(), k -> new ArrayList<>()).add(e);
    }
    this.preemption = new PreemptionPlanner(quota, byNation, runningByJob);
  }

  Decisions run() {
    Map<Integer, List<PendingJob>> jobsByNation = new TreeMap<>();
    Set<String> ids = new HashSet<>();
    for (PendingJob j : snapshot.pending()) {
      if (!ids.add(j.jobId())) {
        throw new IllegalArgumentException("job " + j.jobId() + " is pending twice");
      }
      jobsByNation.computeIfAbsent(quota.index(j.nation()), k -> new ArrayList<>()).add(j);
    }
    PriorityQueue<NationQueue> heap = new PriorityQueue<>(NationQueue.BY_SHARE);
    Map<Integer, NationQueue> queues = new HashMap<>();
    jobsByNation.forEach(
        (n, jobs) -> {
          NationQueue q = new NationQueue(quota.name(n), n, jobs);
          q.share = fairShare.share(n);
          queues.put(n, q);
          heap.add(q);
        });
    Set<Integer> preempted = new TreeSet<>();
    while (!heap.isEmpty()) {
      NationQueue q = heap.poll();
      placeJob(q.next(), q.nation, preempted);
      // A victim's nation now holds less, so its place in the heap moves up.
      for (int m : preempted) {
        NationQueue mq = queues.get(m);
        if (mq != null && mq != q && heap.remove(mq)) {
          mq.share = fairShare.share(m);
          heap.add(mq);
        }
      }
      preempted.clear();
      if (q.hasNext()) {
        q.share = fairShare.share(q.nation);
        heap.add(q);
      }
    }
    return new Decisions(places, preempts, pending);
  }

  private void placeJob(PendingJob job, int nation, Set<Integer> preempted) {
    boolean spreads = job.placement().spread() && job.totalShards() > 1;
    Shape shape =
        new Shape(
            job.nation(),
            job.priority(),
            job.demand(),
            job.placement(),
            job.gang() ? job.totalShards() : 0,
            spreads ? job.jobId() : "",
            job.shardJurisdictions(),
            job.shardPlacements());
    String known = failures.get(shape);
    if (known != null) {
      waitAll(job, 0, known);
      return;
    }
    Eligible jobWide = eligible(job, job.placement());
    Map<String, Integer> spread = spreads ? spreadCounts(job) : null;
    int cap =
        spreads ? ceilDiv(job.totalShards(), Math.max(1, jobWide.nations)) : Integer.MAX_VALUE;
    Tentative t = new Tentative(nodes, quota, preemption);
    for (int i = 0; i < job.shards().size(); i++) {
      int index = job.shards().get(i);
      ShardRef ref = new ShardRef(job.jobId(), index);
      Placement rules = job.placementOf(index);
      Eligible el = rules == job.placement() ? jobWide : eligible(job, rules);
      String why = placeShard(job, nation, ref, rules, el, spread, cap, t);
      if (why == null) {
        continue;
      }
      if (!job.gang()
          && (!job.shardJurisdictions().isEmpty() || !job.shardPlacements().isEmpty())) {
        // Pinned shards differ from one another: one that does not fit says nothing of the next.
        pending.put(ref, why);
        continue;
      }
      if (job.gang()) {
        int fitted = t.placed();
        t.rollback();
        why = "gang of " + job.totalShards() + ": only " + fitted + " shards fit; " + why;
        waitAll(job, 0, why);
      } else {
        t.commit(places, preempts, preempted);
        waitAll(job, i, why);
      }
      failures.put(shape, why);
      return;
    }
    t.commit(places, preempts, preempted);
  }

  /** Places one shard, preempting if that is allowed and needed; returns why not, or null. */
  private String placeShard(
      PendingJob job,
      int nation,
      ShardRef ref,
      Placement rules,
      Eligible el,
      Map<String, Integer> spread,
      int cap,
      Tentative t) {
    ResourceVector need = job.demand().resources();
    String quotaWhy = quota.rejection(nation, need, ResourceVector.ZERO);
    if (quotaWhy == null) {
      NodeState node =
          spread == null
              ? nodes.bestFit(el.pools, need, rules)
              : spreadFit(el, need, spread, cap, rules);
      if (node != null) {
        String reason = "placed on " + node.id() + ": best fit, " + after(node, need);
        t.reserve(node, nation, need, new Place(ref, node.id(), reason), spread);
        return null;
      }
    }
    Predicate<NodeState> allowed =
        n ->
            el.poolSet.contains(n.pool)
                && !rules.excludes(n.id())
                && (spread == null || count(spread, n.nation()) < cap);
    PreemptionPlanner.Plan plan = preemption.plan(job, nation, ref, allowed);
    if (plan != null) {
      for (int v = 0; v < plan.victims().size(); v++) {
        RunningEntry victim = plan.victims().get(v);
        t.evict(victim, new Preempt(victim.shard.ref(), ref, plan.reasons().get(v)));
      }
      NodeState node = plan.node();
      String reason =
          "placed on "
              + node.id()
              + " after preempting "
              + plan.victims().size()
              + (plan.victims().size() == 1 ? " shard (" : " shards (")
              + plan.rule()
              + "), "
              + after(node, need);
      t.reserve(node, nation, need, new Place(ref, node.id(), reason), spread);
      return null;
    }
    if (quotaWhy != null) {
      return quotaWhy;
    }
    Map<String, Integer> perNation = spread == null ? Map.of() : spread;
    return explainer.explain(
        new ShardRequest(job.jobId(), job.demand(), rules, perNation, cap), nodes);
  }

  /** Best fit among the nations holding fewest of the job's shards, then the next fewest. */
  private NodeState spreadFit(
      Eligible el, ResourceVector need, Map<String, Integer> spread, int cap, Placement rules) {
    TreeSet<Integer> counts = new TreeSet<>();
    for (NodePool p : el.pools) {
      int c = count(spread, p.nation());
      if (c < cap) {
        counts.add(c);
      }
    }
    for (int c : counts) {
      List<NodePool> least = new ArrayList<>();
      for (NodePool p : el.pools) {
        if (count(spread, p.nation()) == c) {
          least.add(p);
        }
      }
      NodeState n = nodes.bestFit(least, need, rules);
      if (n != null) {
        return n;
      }
    }
    return null;
  }

  /**
   * Pools that the static constraints admit, ignoring spread: the probe request carries no spread
   * counts, and {@link #spreadFit} applies them per shard.
   */
  private Eligible eligible(PendingJob job, Placement rules) {
    ShardDemand d = job.demand();
    EligibilityKey key = new EligibilityKey(rules, d.gpuMemoryBytes(), d.resources().gpus() > 0);
    Eligible e = eligibility.get(key);
    if (e == null) {
      ShardRequest probe = ShardRequest.of(job.jobId(), d, rules);
      List<NodePool> pools = new ArrayList<>();
      Set<String> nations = new HashSet<>();
      for (NodePool p : nodes.pools()) {
        if (admitsStatically(probe, p)) {
          pools.add(p);
          nations.add(p.nation());
        }
      }
      Set<NodePool> set = Collections.newSetFromMap(new IdentityHashMap<>());
      set.addAll(pools);
      e = new Eligible(List.copyOf(pools), set, nations.size());
      eligibility.put(key, e);
    }
    return e;
  }

  private static boolean admitsStatically(ShardRequest probe, NodePool p) {
    for (Constraint c : Constraint.ALL) {
      if (c.isStatic() && !c.allows(probe, p.representative, ResourceVector.ZERO)) {
        return false;
      }
    }
    return true;
  }

  /** The job's shards per nation among those still held from the snapshot. */
  private Map<String, Integer> spreadCounts(PendingJob job) {
    Map<String, Integer> counts = new TreeMap<>();
    for (RunningEntry e : runningByJob.getOrDefault(job.jobId(), List.of())) {
      if (!e.evicted && e.node != null) {
        counts.merge(e.node.nation(), 1, Integer::sum);
      }
    }
    return counts;
  }

  private void waitAll(PendingJob job, int from, String why) {
    for (int i = from; i < job.shards().size(); i++) {
      pending.put(new ShardRef(job.jobId(), job.shards().get(i)), why);
    }
  }

  /** "7 of 8 GPUs free after" (CPUs for a node without GPUs), before {@code need} is charged. */
  private static String after(NodeState node, ResourceVector need) {
    long gpus = node.snapshot.capacity().gpus();
    if (gpus > 0) {
      return (node.freeGpus - need.gpus()) + " of " + gpus + " GPUs free after";
    }
    return (node.freeCpus - need.cpus())
        + " of "
        + node.snapshot.capacity().cpus()
        + " CPUs free after";
  }

  private static int count(Map<String, Integer> spread, String nation) {
    return spread.getOrDefault(nation, 0);
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
