package org.entente.coordinator.scheduler;

import java.util.Objects;

/**
 * A shard holding resources on a node, placed or running. {@code startOrder}: higher means started
 * later. Immutable.
 */
public record RunningShard(
    ShardRef ref,
    String nation,
    int priority,
    boolean gang,
    ResourceVector resources,
    NodeId node,
    long startOrder) {
  public RunningShard {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(nation, "nation");
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(node, "node");
  }
}
