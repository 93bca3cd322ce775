package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * one with fewest victims, then the seed's tie rank. Neither rule lets a victim turn around and
 * preempt its preemptor: it has lower priority, or its nation would borrow again.
 *
 * <p>Candidates are walked in victim order, so the walk stops as soon as no later node can beat the
 * best plan found. Not thread-safe; owned by one {@link SchedulingPass}.
 */
final class PreemptionPlanner {
  /** Shards to preempt on (and, for gangs, around) {@code node}, each with its reason. */
  record Plan(NodeState node, List<RunningEntry> victims, List<String> reasons, String rule) {}

  /** A node's victims as groups (a gang is one group), before reasons are written. */
  private record Candidate(NodeState node, List<List<RunningEntry>> groups, int top, int count) {}

  private static final int R = ResourceVector.DIMENSIONS;

  private final CohortQuota quota;
  private final List<TreeSet<RunningEntry>> active = new ArrayList<>();
  private final Map<String, List<RunningEntry>> byJob;

  /** Released so far on the node under study, per nation and resource; see {@link #onNode}. */
  private final long[][] released;

  private final List<Integer> touched = new ArrayList<>();
  private int mark;

  PreemptionPlanner(
      CohortQuota quota, List<List<RunningEntry>> byNation, Map<String, List<RunningEntry>> byJob) {
    this.quota = quota;
    this.byJob = byJob;
    for (List<RunningEntry> entries : byNation) {
      TreeSet<RunningEntry> set = new TreeSet<>(RunningEntry::victimOrder);
      set.addAll(entries);
      active.add(set);
    }
    released = new long[quota.size()][R];
  }

  /** Called when {@code e} is preempted, so that it is no longer a candidate. */
  void evicted(RunningEntry e) {
    active.get(e.nation).remove(e);
  }

  /** Called when a preemption of {@code e} is rolled back. */
  void restored(RunningEntry e) {
    active.get(e.nation).add(e);
  }

  /** A plan to place one shard of {@code job}, priority rule first; null when neither helps. */
  Plan plan(PendingJob job, int nation, ShardRef forShard, Predicate<NodeState> allowed) {
    ResourceVector need = job.demand().resources();
    Rule byPriority = new PriorityRule(nation, job, forShard, need);
    Candidate c = search(byPriority, List.of(nation), job.priority(), allowed);
    if (c != null) {
      return write(byPriority, c);
    }
    if (!quota.withinNominalAfter(nation, need)) {
      return null;
    }
    List<Integer> borrowers = new ArrayList<>();
    for (int m = 0; m < quota.size(); m++) {
      if (m != nation && borrowsAnyOf(m, need)) {
        borrowers.add(m);
      }
    }
    Rule reclaim = new ReclaimRule(nation, forShard, need);
    c = search(reclaim, borrowers, Integer.MAX_VALUE, allowed);
    return c == null ? null : write(reclaim, c);
  }

  /** One preemption rule: which groups it may take and when it has taken enough. */
  private interface Rule {
    String name();

    /** Whether {@code group} may go, given what this node's plan already releases. */
    boolean accepts(List<RunningEntry> group);

    boolean enough(NodeState node, ResourceVector freedHere);

    /** Why {@code group} goes, given what earlier groups of the plan release. */
    String reason(NodeState node, List<RunningEntry> group);
  }

  private final class PriorityRule implements Rule {
    private final int nation;
    private final PendingJob job;
    private final ShardRef forShard;
    private final ResourceVector need;

    PriorityRule(int nation, PendingJob job, ShardRef forShard, ResourceVector need) {
      this.nation = nation;
      this.job = job;
      this.forShard = forShard;
      this.need = need;
    }

    @Override
    public String name() {
      return "priority within " + quota.name(nation);
    }

    @Override
    public boolean accepts(List<RunningEntry> group) {
      for (RunningEntry g : group) {
        if (g.nation != nation || g.shard.priority() >= job.priority()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public boolean enough(NodeState node, ResourceVector freedHere) {
      long[] mine = released[nation];
      return node.fitsWith(need, freedHere)
          && quota.rejection(nation, need, new ResourceVector(mine[0], mine[1], mine[2])) == null;
    }

    @Override
    public String reason(NodeState node, List<RunningEntry> group) {
      return "preempted: priority "
          + group.get(0).shard.priority()
          + " < "
          + job.priority()
          + " of "
          + quota.name(nation)
          + " job "
          + job.jobId()
          + ", to place "
          + forShard
          + " on "
          + node.id();
    }
  }

  private final class ReclaimRule implements Rule {
    private final int nation;
    private final ShardRef forShard;
    private final ResourceVector need;

    ReclaimRule(int nation, ShardRef forShard, ResourceVector need) {
      this.nation = nation;
      this.forShard = forShard;
      this.need = need;
    }

    @Override
    public String name() {
      return "quota reclaim";
    }

    @Override
    public boolean accepts(List<RunningEntry> group) {
      int m = group.get(0).nation;
      for (RunningEntry g : group) {
        if (g.nation != m || m == nation) {
          return false;
        }
      }
      return contested(m, total(group)) >= 0;
    }

    /**
     * The first resource that the preemptor needs, the victim nation borrows and {@code v} holds,
     * or -1 when there is none or taking {@code v} would leave the victim nation below nominal in
     * one of them.
     */
    private int contested(int m, ResourceVector v) {
      int first = -1;
      for (int r = 0; r < R; r++) {
        long left = quota.usage(m, r) - released[m][r];
        if (need.component(r) > 0 && v.component(r) > 0 && left > quota.nominal(m, r)) {
          if (left - v.component(r) < quota.nominal(m, r)) {
            return -1;
          }
          if (first < 0) {
            first = r;
          }
        }
      }
      return first;
    }

    @Override
    public boolean enough(NodeState node, ResourceVector freedHere) {
      return node.fitsWith(need, freedHere);
    }

    @Override
    public String reason(NodeState node, List<RunningEntry> group) {
      int m = group.get(0).nation;
      int r = contested(m, total(group));
      long nominal = quota.nominal(m, r);
      return "preempted: "
          + quota.name(m)
          + " borrows "
          + ResourceVector.describe(r, quota.usage(m, r) - released[m][r] - nominal)
          + " above its nominal "
          + ResourceVector.amount(r, nominal)
          + " and "
          + quota.name(nation)
          + " reclaims its quota for "
          + forShard
          + " on "
          + node.id();
    }
  }

  /**
   * Walks candidates of {@code nations} in victim order, below priority {@code limit}, trying each
   * allowed node once, until no later node can beat the best plan.
   */
  private Candidate search(
      Rule rule, List<Integer> nations, int limit, Predicate<NodeState> allowed) {
    mark++;
    Candidate best = null;
    for (int m : nations) {
      for (RunningEntry e : active.get(m)) {
        int p = e.shard.priority();
        if (p >= limit) {
          break;
        }
        // A node is first met at its lowest-priority candidate, so later nodes cannot do better.
        if (best != null && (p > best.top || (p == best.top && best.count == 1))) {
          break;
        }
        NodeState node = e.node;
        if (node == null || node.searchMark == mark) {
          continue;
        }
        node.searchMark = mark;
        if (!allowed.test(node)) {
          continue;
        }
        Candidate c = onNode(node, rule);
        if (c != null && (best == null || better(c, best))) {
          best = c;
        }
      }
    }
    return best;
  }

  /** Takes victims on {@code node} in victim order until the rule says there is room. */
  private Candidate onNode(NodeState node, Rule rule) {
    List<RunningEntry> here = new ArrayList<>(node.running.size());
    for (RunningEntry e : node.running) {
      if (!e.evicted) {
        here.add(e);
      }
    }
    here.sort(RunningEntry::victimOrder);
    clearReleased();
    List<List<RunningEntry>> groups = new ArrayList<>();
    ResourceVector freedHere = ResourceVector.ZERO;
    int top = Integer.MIN_VALUE;
    int count = 0;
    try {
      for (RunningEntry v : here) {
        if (v.chosenMark == mark) {
          continue;
        }
        List<RunningEntry> group = groupOf(v);
        if (!rule.accepts(group)) {
          continue;
        }
        groups.add(group);
        for (RunningEntry g : group) {
          g.chosenMark = mark;
          release(g);
          count++;
          top = Math.max(top, g.shard.priority());
          if (g.node == node) {
            freedHere = freedHere.plus(g.shard.resources());
          }
        }
        if (rule.enough(node, freedHere)) {
          return new Candidate(node, groups, top, count);
        }
      }
      return null;
    } finally {
      for (List<RunningEntry> group : groups) {
        for (RunningEntry g : group) {
          g.chosenMark = 0;
        }
      }
    }
  }

  /** Writes each victim's reason, as of the moment the plan takes it. */
  private Plan write(Rule rule, Candidate c) {
    clearReleased();
    List<RunningEntry> victims = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    for (List<RunningEntry> group : c.groups) {
      String reason = rule.reason(c.node, group);
      for (int i = 0; i < group.size(); i++) {
        victims.add(group.get(i));
        reasons.add(
            group.size() == 1
                ? reason
                : reason + " (whole gang " + group.get(i).shard.ref().jobId() + ")");
      }
      group.forEach(this::release);
    }
    return new Plan(c.node, List.copyOf(victims), List.copyOf(reasons), rule.name());
  }

  private void release(RunningEntry g) {
    long[] row = released[g.nation];
    if (row[0] == 0 && row[1] == 0 && row[2] == 0) {
      touched.add(g.nation);
    }
    ResourceVector r = g.shard.resources();
    row[0] += r.gpus();
    row[1] += r.cpus();
    row[2] += r.memoryBytes();
  }

  private void clearReleased() {
    for (int n : touched) {
      released[n][0] = 0;
      released[n][1] = 0;
      released[n][2] = 0;
    }
    touched.clear();
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

  private static boolean better(Candidate c, Candidate best) {
    if (c.top != best.top) {
      return c.top < best.top;
    }
    if (c.count != best.count) {
      return c.count < best.count;
    }
    if (c.node.tieRank != best.node.tieRank) {
      return c.node.tieRank < best.node.tieRank;
    }
    return c.node.index < best.node.index;
  }

  private static ResourceVector total(List<RunningEntry> group) {
    ResourceVector t = ResourceVector.ZERO;
    for (RunningEntry e : group) {
      t = t.plus(e.shard.resources());
    }
    return t;
  }
}
