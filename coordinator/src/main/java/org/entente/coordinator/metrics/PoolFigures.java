package org.entente.coordinator.metrics;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;

/**
 * What the pool gauges show, computed from one replica's views: nodes by nation and state, GPUs
 * free and used on each nation's nodes, shards not yet ended by the nation charged and their state,
 * and each nation's GPU quota against what it uses. Every map is sorted and holds a zero for every
 * nation and state it covers, so a series reads 0 rather than vanishing. Pure; immutable.
 *
 * <p>Example: DE's node {@code gpu-1} (2 GPUs, ACTIVE) runs one shard of an FR job asking for 1
 * GPU, and JP's node {@code cpu-1} is in the roster only. Then {@code nodes} is {DE: {ACTIVE: 1,
 * DRAINING: 0, LOST: 0}, JP: {ACTIVE: 0, DRAINING: 0, LOST: 1}}, {@code gpusUsed} {DE: 1, JP: 0},
 * {@code gpusFree} {DE: 1, JP: 0}, {@code shards} FR {pending: 0, placed: 0, running: 1}, and FR's
 * {@code quotaUsedGpus} is 1.
 *
 * @param nodes node nation, then {@link NodeState} name, to how many nodes
 * @param gpusUsed node nation to GPUs held by placed or running shards
 * @param gpusFree node nation to GPUs of ACTIVE nodes that no shard holds
 * @param shards charged nation, then {@code pending} (pending or requeued), {@code placed} or
 *     {@code running}, to how many shards
 * @param quotaUsedGpus charged nation to GPUs its placed and running shards hold
 * @param quotaNominalGpus nation to its nominal GPU quota: the governed one, else what its live
 *     nodes contribute (as the scheduler applies it)
 */
public record PoolFigures(
    Map<String, Map<String, Long>> nodes,
    Map<String, Long> gpusUsed,
    Map<String, Long> gpusFree,
    Map<String, Map<String, Long>> shards,
    Map<String, Long> quotaUsedGpus,
    Map<String, Long> quotaNominalGpus) {

  /** The shard states {@link #shards} counts. */
  public static final List<String> SHARD_STATES = List.of("pending", "placed", "running");

  /** Nothing known: no nodes, no jobs, no members. */
  public static final PoolFigures EMPTY = of(Map.of(), Set.of(), List.of(), Map.of(), Set.of());

  public PoolFigures {
    nodes = deepCopy(nodes);
    gpusUsed = sorted(gpusUsed);
    gpusFree = sorted(gpusFree);
    shards = deepCopy(shards);
    quotaUsedGpus = sorted(quotaUsedGpus);
    quotaNominalGpus = sorted(quotaNominalGpus);
  }

  /**
   * @param live connected nodes ({@code /nodes})
   * @param known every node the roster remembers; those not live count as LOST
   * @param jobs the jobs as cached
   * @param quotas the governed quotas by nation
   * @param members the member nations
   */
  public static PoolFigures of(
      Map<NodeKey, NodeRecord> live,
      Set<NodeKey> known,
      Collection<JobView.Job> jobs,
      Map<String, Quota> quotas,
      Set<String> members) {
    Map<String, Long> heldOnNode = new HashMap<>();
    Map<String, Map<String, Long>> shards = new TreeMap<>();
    members.forEach(n -> shards.put(n, zeros(SHARD_STATES)));
    for (JobView.Job j : jobs) {
      long gpus = j.record().spec().resources().gpus();
      for (ShardRecord s : j.shards()) {
        String state = shardState(s);
        if (state == null) {
          continue;
        }
        shards
            .computeIfAbsent(j.record().nation(), n -> zeros(SHARD_STATES))
            .merge(state, 1L, Long::sum);
        if (s.state().holdsNode()) {
          heldOnNode.merge(s.node(), gpus, Long::sum);
        }
      }
    }
    List<String> nodeStates =
        java.util.Arrays.stream(NodeState.values()).map(NodeState::name).toList();
    Map<String, Map<String, Long>> nodes = new TreeMap<>();
    Map<String, Long> used = new TreeMap<>();
    Map<String, Long> free = new TreeMap<>();
    for (String n : members) {
      nodes.put(n, zeros(nodeStates));
      used.put(n, 0L);
      free.put(n, 0L);
    }
    Set<NodeKey> all = new TreeSet<>(known);
    all.addAll(live.keySet());
    for (NodeKey k : all) {
      NodeRecord r = live.get(k);
      NodeState state = r == null ? NodeState.LOST : r.state();
      nodes.computeIfAbsent(k.nation(), n -> zeros(nodeStates)).merge(state.name(), 1L, Long::sum);
      long held = heldOnNode.getOrDefault(k.nation() + "/" + k.name(), 0L);
      long capacity = r == null ? 0 : r.resources().gpus().size();
      used.merge(k.nation(), held, Long::sum);
      free.merge(
          k.nation(), state == NodeState.ACTIVE ? Math.max(0, capacity - held) : 0, Long::sum);
    }
    Map<String, Long> contributed = new TreeMap<>();
    live.values()
        .forEach(r -> contributed.merge(r.nation(), (long) r.resources().gpus().size(), Long::sum));
    Map<String, ResourceVector> usage = JobView.usage(List.copyOf(jobs));
    Set<String> nations = new TreeSet<>(members);
    nations.addAll(usage.keySet());
    Map<String, Long> quotaUsed = new TreeMap<>();
    Map<String, Long> quotaNominal = new TreeMap<>();
    for (String n : nations) {
      quotaUsed.put(n, usage.getOrDefault(n, ResourceVector.ZERO).gpus());
      Quota q = quotas.get(n);
      quotaNominal.put(n, q != null ? q.nominal().gpus() : contributed.getOrDefault(n, 0L));
    }
    return new PoolFigures(nodes, used, free, shards, quotaUsed, quotaNominal);
  }

  private static String shardState(ShardRecord s) {
    if (s.state().waiting()) {
      return "pending";
    }
    return switch (s.state()) {
      case PLACED -> "placed";
      case RUNNING -> "running";
      default -> null;
    };
  }

  private static Map<String, Long> zeros(List<String> keys) {
    Map<String, Long> m = new TreeMap<>();
    keys.forEach(k -> m.put(k, 0L));
    return m;
  }

  private static Map<String, Long> sorted(Map<String, Long> m) {
    return java.util.Collections.unmodifiableMap(new TreeMap<>(m));
  }

  private static Map<String, Map<String, Long>> deepCopy(Map<String, Map<String, Long>> m) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, sorted(v)));
    return java.util.Collections.unmodifiableMap(out);
  }
}
