package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Nodes that every static {@link Constraint} treats alike (same nation, GPU model, GPU memory,
 * labels, schedulability), bucketed by free GPUs. Within a bucket nodes are ordered by free CPUs,
 * free memory, then the seed-derived tie rank, so the first node that fits is the best fit. Not
 * thread-safe; owned by one {@link SchedulingPass}.
 */
final class NodePool {
  /** Best-fit order within one free-GPU level. */
  static final Comparator<NodeState> WITHIN_LEVEL =
      (a, b) -> {
        int c = Long.compare(a.freeCpus, b.freeCpus);
        if (c != 0) {
          return c;
        }
        c = Long.compare(a.freeMemory, b.freeMemory);
        if (c != 0) {
          return c;
        }
        c = Long.compare(a.tieRank, b.tieRank);
        return c != 0 ? c : Integer.compare(a.index, b.index);
      };

  final NodeSnapshot representative;
  final List<NodeState> members = new ArrayList<>();
  private final List<TreeSet<NodeState>> levels = new ArrayList<>();

  NodePool(NodeSnapshot representative) {
    this.representative = representative;
  }

  String nation() {
    return representative.id().nation();
  }

  int maxLevel() {
    return levels.size() - 1;
  }

  /** Nodes with exactly {@code gpus} free, or an empty set. */
  TreeSet<NodeState> level(int gpus) {
    return levels.get(gpus);
  }

  /** Whether any node here has at least {@code gpus} free (and nothing overcommitted). */
  boolean hasFree(long gpus) {
    for (int level = (int) Math.min(gpus, levels.size()); level < levels.size(); level++) {
      if (!levels.get(level).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  void add(NodeState n) {
    if (!representative.schedulable()
        || n.freeGpus < 0
        || n.freeCpus < 0
        || n.freeMemory < 0
        || n.freeGpus > Integer.MAX_VALUE - 1) {
      return;
    }
    int level = (int) n.freeGpus;
    while (levels.size() <= level) {
      levels.add(new TreeSet<>(WITHIN_LEVEL));
    }
    levels.get(level).add(n);
    n.indexed = true;
  }

  void remove(NodeState n) {
    if (n.indexed) {
      levels.get((int) n.freeGpus).remove(n);
      n.indexed = false;
    }
  }
}
