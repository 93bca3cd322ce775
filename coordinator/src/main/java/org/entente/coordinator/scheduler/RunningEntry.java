package org.entente.coordinator.scheduler;

/**
 * A snapshot shard during one pass, and whether this pass preempted it. {@code node} is null when
 * the shard's node is not in the snapshot: it still counts against its nation's quota. Not
 * thread-safe; owned by one {@link SchedulingPass}.
 */
final class RunningEntry {
  final RunningShard shard;
  final NodeState node;
  final int nation;

  /** Position in the snapshot after sorting; the last tie-break, so that no two are equal. */
  final int seq;

  boolean evicted;

  /** Set while a {@link PreemptionPlanner} plan under study holds this shard. */
  int chosenMark;

  RunningEntry(RunningShard shard, NodeState node, int nation, int seq) {
    this.shard = shard;
    this.node = node;
    this.nation = nation;
    this.seq = seq;
  }

  /** Victim order: lowest priority first, then the newest, then by name for determinism. */
  static int victimOrder(RunningEntry a, RunningEntry b) {
    int c = Integer.compare(a.shard.priority(), b.shard.priority());
    if (c != 0) {
      return c;
    }
    c = Long.compare(b.shard.startOrder(), a.shard.startOrder());
    if (c != 0) {
      return c;
    }
    c = a.shard.ref().compareTo(b.shard.ref());
    return c != 0 ? c : Integer.compare(a.seq, b.seq);
  }
}
