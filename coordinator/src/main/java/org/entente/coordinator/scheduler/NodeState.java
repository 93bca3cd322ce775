package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * One node during one pass: what is free on it and which snapshot shards hold it. Free amounts may
 * go negative when the snapshot overcommits a node; such a node takes nothing until preemption
 * frees it. Not thread-safe; owned by one {@link SchedulingPass}.
 */
final class NodeState {
  final int index;
  final NodeSnapshot snapshot;
  final long tieRank;
  NodePool pool;
  long freeGpus;
  long freeCpus;
  long freeMemory;
  final List<RunningEntry> running = new ArrayList<>(0);

  /** True while the node sits in its pool's free-GPU level; see {@link NodeIndex}. */
  boolean indexed;

  /** The last {@link PreemptionPlanner} search that looked at this node. */
  int searchMark;

  NodeState(int index, NodeSnapshot snapshot, long tieRank) {
    this.index = index;
    this.snapshot = snapshot;
    this.tieRank = tieRank;
    ResourceVector c = snapshot.capacity();
    this.freeGpus = c.gpus();
    this.freeCpus = c.cpus();
    this.freeMemory = c.memoryBytes();
  }

  boolean fits(ResourceVector need) {
    return need.gpus() <= freeGpus && need.cpus() <= freeCpus && need.memoryBytes() <= freeMemory;
  }

  boolean fitsWith(ResourceVector need, ResourceVector extra) {
    return need.gpus() <= freeGpus + extra.gpus()
        && need.cpus() <= freeCpus + extra.cpus()
        && need.memoryBytes() <= freeMemory + extra.memoryBytes();
  }

  /** Free resources, overcommitted components shown as 0. */
  ResourceVector free() {
    return new ResourceVector(
        Math.max(0, freeGpus), Math.max(0, freeCpus), Math.max(0, freeMemory));
  }

  NodeId id() {
    return snapshot.id();
  }

  String nation() {
    return snapshot.id().nation();
  }
}
