package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The steps taken for one job, applied at once to the pass's state and undone together when the job
 * cannot be placed as a whole (a gang). Not thread-safe; owned by one {@link SchedulingPass}.
 */
final class Tentative {
  private record Reserve(
      NodeState node, int nation, ResourceVector need, Place place, Map<String, Integer> spread) {}

  private record Evict(RunningEntry entry, Preempt preempt) {}

  private final NodeIndex nodes;
  private final CohortQuota quota;
  private final PreemptionPlanner planner;
  private final List<Object> steps = new ArrayList<>();

  Tentative(NodeIndex nodes, CohortQuota quota, PreemptionPlanner planner) {
    this.nodes = nodes;
    this.quota = quota;
    this.planner = planner;
  }

  /**
   * Charges {@code need} to {@code node} and {@code nation}, and counts the shard in {@code spread}
   * (the job's shards per nation) when that is not null.
   */
  void reserve(
      NodeState node, int nation, ResourceVector need, Place place, Map<String, Integer> spread) {
    nodes.adjust(node, need, -1);
    quota.adjust(nation, need, +1);
    if (spread != null) {
      spread.merge(node.nation(), 1, Integer::sum);
    }
    steps.add(new Reserve(node, nation, need, place, spread));
  }

  /** Frees what {@code entry} holds on its node and in its nation's quota. */
  void evict(RunningEntry entry, Preempt preempt) {
    entry.evicted = true;
    planner.evicted(entry);
    if (entry.node != null) {
      nodes.adjust(entry.node, entry.shard.resources(), +1);
    }
    quota.adjust(entry.nation, entry.shard.resources(), -1);
    steps.add(new Evict(entry, preempt));
  }

  /** Reserved shards so far. */
  int placed() {
    int n = 0;
    for (Object s : steps) {
      if (s instanceof Reserve) {
        n++;
      }
    }
    return n;
  }

  /** Undoes every step, newest first. */
  void rollback() {
    for (int i = steps.size() - 1; i >= 0; i--) {
      Object s = steps.get(i);
      if (s instanceof Reserve r) {
        nodes.adjust(r.node, r.need, +1);
        quota.adjust(r.nation, r.need, -1);
        if (r.spread != null) {
          r.spread.merge(r.node.nation(), -1, Integer::sum);
        }
      } else if (s instanceof Evict e) {
        e.entry.evicted = false;
        planner.restored(e.entry);
        if (e.entry.node != null) {
          nodes.adjust(e.entry.node, e.entry.shard.resources(), -1);
        }
        quota.adjust(e.entry.nation, e.entry.shard.resources(), +1);
      }
    }
    steps.clear();
  }

  /**
   * Hands the steps over as decisions, in the order taken; nations that lost shards go to {@code
   * preemptedNations}.
   */
  void commit(List<Place> places, List<Preempt> preempts, Set<Integer> preemptedNations) {
    for (Object s : steps) {
      if (s instanceof Reserve r) {
        places.add(r.place);
      } else if (s instanceof Evict e) {
        preempts.add(e.preempt);
        preemptedNations.add(e.entry.nation);
      }
    }
    steps.clear();
  }
}
