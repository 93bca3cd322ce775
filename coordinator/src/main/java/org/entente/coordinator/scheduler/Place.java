package org.entente.coordinator.scheduler;

import java.util.Objects;

/** Decision: put {@code shard} on {@code node}; {@code reason} says why there. Immutable. */
public record Place(ShardRef shard, NodeId node, String reason) {
  public Place {
    Objects.requireNonNull(shard, "shard");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(reason, "reason");
  }
}
