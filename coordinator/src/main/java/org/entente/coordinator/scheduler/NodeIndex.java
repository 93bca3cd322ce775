package org.entente.coordinator.scheduler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * All nodes of a pass, grouped into {@link NodePool}s, with best-fit search and the only way to
 * change what is free on a node. Not thread-safe; owned by one {@link SchedulingPass}.
 */
final class NodeIndex {
  private record PoolKey(
      String nation,
      String gpuModel,
      long gpuMemoryBytes,
      Map<String, String> labels,
      boolean schedulable) {}

  private final List<NodeState> nodes = new ArrayList<>();
  private final Map<NodeId, NodeState> byId = new HashMap<>();
  private final List<NodePool> pools;
  private final NodeState probe;

  NodeIndex(List<NodeSnapshot> snapshots, long seed) {
    List<NodeSnapshot> sorted = new ArrayList<>(snapshots);
    sorted.sort((a, b) -> a.id().compareTo(b.id()));
    Map<PoolKey, NodePool> grouped = new LinkedHashMap<>();
    for (NodeSnapshot s : sorted) {
      NodeState n = new NodeState(nodes.size(), s, tieRank(seed, s.id()));
      if (byId.put(s.id(), n) != null) {
        throw new IllegalArgumentException("node " + s.id() + " appears twice in the snapshot");
      }
      nodes.add(n);
      PoolKey key =
          new PoolKey(
              s.id().nation(), s.gpuModel(), s.gpuMemoryBytes(), s.labels(), s.schedulable());
      n.pool = grouped.computeIfAbsent(key, k -> new NodePool(s));
      n.pool.members.add(n);
    }
    pools = List.copyOf(grouped.values());
    for (NodeState n : nodes) {
      n.pool.add(n);
    }
    probe = new NodeState(-1, Objects.requireNonNull(placeholder()), Long.MIN_VALUE);
  }

  List<NodeState> nodes() {
    return nodes;
  }

  List<NodePool> pools() {
    return pools;
  }

  /** Null when the snapshot has no such node. */
  NodeState byId(NodeId id) {
    return byId.get(id);
  }

  /** Charges ({@code sign} = -1) or refunds ({@code sign} = +1) {@code r} on {@code n}. */
  void adjust(NodeState n, ResourceVector r, int sign) {
    n.pool.remove(n);
    n.freeGpus += sign * r.gpus();
    n.freeCpus += sign * r.cpus();
    n.freeMemory += sign * r.memoryBytes();
    n.pool.add(n);
  }

  /**
   * The best-fit node among {@code candidates} for {@code need}: fewest free GPUs, then fewest free
   * CPUs, then least free memory, then the seed's tie rank. Null when none fits.
   */
  NodeState bestFit(Collection<NodePool> candidates, ResourceVector need) {
    return bestFit(candidates, need, Placement.ANY);
  }

  /** As {@link #bestFit(Collection, ResourceVector)}, skipping the nodes {@code rules} exclude. */
  NodeState bestFit(Collection<NodePool> candidates, ResourceVector need, Placement rules) {
    if (need.gpus() > Integer.MAX_VALUE - 1) {
      return null;
    }
    int maxLevel = -1;
    for (NodePool p : candidates) {
      maxLevel = Math.max(maxLevel, p.maxLevel());
    }
    probe.freeCpus = need.cpus();
    probe.freeMemory = need.memoryBytes();
    for (int level = (int) need.gpus(); level <= maxLevel; level++) {
      NodeState best = null;
      for (NodePool p : candidates) {
        if (level > p.maxLevel()) {
          continue;
        }
        TreeSet<NodeState> set = p.level(level);
        if (set.isEmpty()) {
          continue;
        }
        NodeState n = set.ceiling(probe);
        // Sorted by CPUs first, so a node with spare CPUs may still lack memory.
        while (n != null && (n.freeMemory < need.memoryBytes() || rules.excludes(n.id()))) {
          n = set.higher(n);
        }
        if (n != null && (best == null || NodePool.WITHIN_LEVEL.compare(n, best) < 0)) {
          best = n;
        }
      }
      if (best != null) {
        return best;
      }
    }
    return null;
  }

  private static NodeSnapshot placeholder() {
    return new NodeSnapshot(new NodeId("", "probe"), ResourceVector.ZERO, 0, "", Map.of(), false);
  }

  /** SplitMix64 of the seed and a stable 64-bit FNV-1a hash of the node id. */
  static long tieRank(long seed, NodeId id) {
    long h = 0xcbf29ce484222325L;
    for (byte b : id.toString().getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    long z = seed + h + 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
