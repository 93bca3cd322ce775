package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds shards to preempt so that a shard that fits nowhere can run, under two rules and nothing
 * else:
 *
 * <ol>
 *   <li><b>Priority within a nation</b>: shards of the same nation with strictly lower priority.
 *   <li><b>Quota reclaim</b>: a nation that stays within its nominal after the placement may take
 *       back from nations borrowing above theirs, in a resource it needs and they borrow, never
 *       taking them below nominal in it.
 * </ol>
 *
 * Victims are chosen on one node, lowest priority first, then the newest; a gang shard takes its
 * whole gang with it. Among nodes, the plan whose highest victim priority is lowest wins, then the
 * one with fewest victims, then the seed's tie rank. Neither rule lets the victim turn around and
 * preempt its preemptor: it has lower priority, or its nation would borrow again. Not thread-safe;
 * owned by one {@link SchedulingPass}.
 */
final class PreemptionPlanner {
  /** Shards to preempt on (and around) {@code node}, each with its reason. */
  record Plan(NodeState node, List<RunningEntry> victims, List<String> reasons, String rule) {}

  private static final int R = ResourceVector.DIMENSIONS;

  private final CohortQuota quota;
  private final List<List<RunningEntry>> byNation;
  private final Map<String, List<RunningEntry>> byJob;

  PreemptionPlanner(
      CohortQuota quota, List<List<RunningEntry>> byNation, Map<String, List<RunningEntry>> byJob) {
    this.quota = quota;
    this.byNation = byNation;
    this.byJob = byJob;
  }

  /** A plan to place one shard of {@code job}, priority rule first; null when neither helps. */
  Plan plan(PendingJob job, int nation, ShardRef forShard, Predicate<NodeState> allowed) {
    Plan p = byPriority(job, nation, forShard, allowed);
    return p != null ? p : byReclaim(job, nation, forShard, allowed);
  }

  private Plan byPriority(
      PendingJob job, int nation, ShardRef forShard, Predicate<NodeState> allowed) {
    ResourceVector need = job.demand().resources();
    List<RunningEntry> mine = byNation.get(nation);
    Predicate<RunningEntry> eligible =
        e -> !e.evicted && e.nation == nation && e.shard.priority() < job.priority();
    String who = quota.name(nation);
    return search(
        mine,
        eligible,
        allowed,
        (node, group, released) -> {
          RunningEntry first = group.get(0);
          return "preempted: priority "
              + first.shard.priority()
              + " < "
              + job.priority()
              + " of "
              + who
              + " job "
              + job.jobId()
              + ", to place "
              + forShard
              + " on "
              + node.id();
        },
        (node, freedHere, released) ->
            node.fitsWith(need, freedHere)
                && quota.rejection(nation, need, released.getOrDefault(nation, zero())) == null,
        "priority within " + who);
  }

  private Plan byReclaim(
      PendingJob job, int nation, ShardRef forShard, Predicate<NodeState> allowed) {
    ResourceVector need = job.demand().resources();
    if (!quota.withinNominalAfter(nation, need)) {
      return null;
    }
    List<RunningEntry> candidates = new ArrayList<>();
    for (int m = 0; m < quota.size(); m++) {
      if (m != nation && borrowsAnyOf(m, need)) {
        candidates.addAll(byNation.get(m));
      }
    }
    Predicate<RunningEntry> eligible = e -> !e.evicted && e.nation != nation;
    String who = quota.name(nation);
    return search(
        candidates,
        eligible,
        allowed,
        (node, group, released) -> {
          int m = group.get(0).nation;
          ResourceVector v = total(group);
          ResourceVector gone = released.getOrDefault(m, zero());
          int contested = -1;
          for (int r = 0; r < R; r++) {
            long left = quota.usage(m, r) - gone.component(r);
            if (need.component(r) > 0 && v.component(r) > 0 && left > quota.nominal(m, r)) {
              if (left - v.component(r) < quota.nominal(m, r)) {
                return null;
              }
              if (contested < 0) {
                contested = r;
              }
            }
          }
          if (contested < 0) {
            return null;
          }
          long nom = quota.nominal(m, contested);
          return "preempted: "
              + quota.name(m)
              + " borrows "
              + ResourceVector.describe(
                  contested, quota.usage(m, contested) - gone.component(contested) - nom)
              + " above its nominal "
              + ResourceVector.amount(contested, nom)
              + " and "
              + who
              + " reclaims its quota for "
              + forShard
              + " on "
              + node.id();
        },
        (node, freedHere, released) -> node.fitsWith(need, freedHere),
        "quota reclaim");
  }

  /** Accepts a victim group (returns its reason) or refuses it (null). */
  private interface GroupCheck {
    String reason(NodeState node, List<RunningEntry> group, Map<Integer, ResourceVector> released);
  }

  /** Whether the victims chosen so far make room. */
  private interface Enough {
    boolean test(NodeState node, ResourceVector freedHere, Map<Integer, ResourceVector> released);
  }

  private Plan search(
      List<RunningEntry> candidates,
      Predicate<RunningEntry> eligible,
      Predicate<NodeState> allowed,
      GroupCheck check,
      Enough enough,
      String rule) {
    int lowest = Integer.MAX_VALUE;
    for (RunningEntry e : candidates) {
      if (eligible.test(e) && e.node != null) {
        lowest = Math.min(lowest, e.shard.priority());
      }
    }
    if (lowest == Integer.MAX_VALUE) {
      return null;
    }
    Plan best = null;
    int bestTop = 0;
    Set<NodeState> tried = new HashSet<>();
    for (RunningEntry e : candidates) {
      NodeState node = e.node;
      if (node == null || !eligible.test(e) || !allowed.test(node) || !tried.add(node)) {
        continue;
      }
      Plan p = onNode(node, eligible, check, enough, rule);
      if (p == null) {
        continue;
      }
      int top = topPriority(p);
      if (best == null || better(p, top, best, bestTop)) {
        best = p;
        bestTop = top;
        if (top == lowest && p.victims.size() == 1) {
          break; // cannot do better than one victim of the lowest priority there is
        }
      }
    }
    return best;
  }

  private Plan onNode(
      NodeState node,
      Predicate<RunningEntry> eligible,
      GroupCheck check,
      Enough enough,
      String rule) {
    List<RunningEntry> here = new ArrayList<>();
    for (RunningEntry e : node.running) {
      if (eligible.test(e)) {
        here.add(e);
      }
    }
    here.sort(RunningEntry::victimOrder);
    Map<RunningEntry, String> chosen = new LinkedHashMap<>();
    Map<Integer, ResourceVector> released = new LinkedHashMap<>();
    ResourceVector freedHere = ResourceVector.ZERO;
    for (RunningEntry v : here) {
      if (chosen.containsKey(v)) {
        continue;
      }
      List<RunningEntry> group = groupOf(v);
      if (!group.stream().allMatch(eligible)) {
        continue;
      }
      String reason = check.reason(node, group, released);
      if (reason == null) {
        continue;
      }
      for (RunningEntry g : group) {
        String why =
            g == v || group.size() == 1
                ? reason
                : reason + " (whole gang " + g.shard.ref().jobId() + ")";
        chosen.put(g, why);
        released.merge(g.nation, g.shard.resources(), ResourceVector::plus);
        if (g.node == node) {
          freedHere = freedHere.plus(g.shard.resources());
        }
      }
      if (enough.test(node, freedHere, released)) {
        return new Plan(node, List.copyOf(chosen.keySet()), List.copyOf(chosen.values()), rule);
      }
    }
    return null;
  }

  private List<RunningEntry> groupOf(RunningEntry v) {
    if (!v.shard.gang()) {
      return List.of(v);
    }
    List<RunningEntry> group = new ArrayList<>();
    for (RunningEntry e : byJob.get(v.shard.ref().jobId())) {
      if (!e.evicted && e.shard.gang()) {
        group.add(e);
      }
    }
    return group;
  }

  private boolean borrowsAnyOf(int nation, ResourceVector need) {
    for (int r = 0; r < R; r++) {
      if (need.component(r) > 0 && quota.borrows(nation, r)) {
        return true;
      }
    }
    return false;
  }

  private static boolean better(Plan p, int top, Plan best, int bestTop) {
    if (top != bestTop) {
      return top < bestTop;
    }
    if (p.victims.size() != best.victims.size()) {
      return p.victims.size() < best.victims.size();
    }
    if (p.node.tieRank != best.node.tieRank) {
      return p.node.tieRank < best.node.tieRank;
    }
    return p.node.index < best.node.index;
  }

  private static int topPriority(Plan p) {
    int top = Integer.MIN_VALUE;
    for (RunningEntry e : p.victims) {
      top = Math.max(top, e.shard.priority());
    }
    return top;
  }

  private static ResourceVector total(List<RunningEntry> group) {
    ResourceVector t = ResourceVector.ZERO;
    for (RunningEntry e : group) {
      t = t.plus(e.shard.resources());
    }
    return t;
  }

  private static ResourceVector zero() {
    return ResourceVector.ZERO;
  }
}
