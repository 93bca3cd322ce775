package org.entente.coordinator.scheduler;

import java.util.List;
import java.util.Optional;

/**
 * One placement rule. It says whether a node may take a shard and, when not, why, in words a person
 * can act on; the scheduler's pending reasons are made of these words. Implementations are
 * stateless and thread-safe.
 */
public interface Constraint {
  /** Every constraint, static ones first, in the order reasons list them. */
  List<Constraint> ALL =
      List.of(
          new SchedulableConstraint(),
          new JurisdictionConstraint(),
          new GpuModelConstraint(),
          new GpuMemoryConstraint(),
          new LabelsConstraint(),
          new SpreadConstraint(),
          new GpuCountConstraint());

  /** Short name used in reasons ("jurisdiction", "free resources", ...). */
  String name();

  /**
   * True when, for a given request, the verdict depends only on the node's fixed attributes
   * (nation, GPU model, GPU memory, labels, schedulable) and not on what is free on it, so it holds
   * for every node that shares them.
   */
  boolean isStatic();

  /** Whether {@code node}, with {@code free} resources left, may take the shard. */
  default boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    return rejects(request, node, free).isEmpty();
  }

  /** Empty when {@code node} may take the shard, otherwise why not, naming the node. */
  Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free);
}
