package org.entente.coordinator.scheduler;

import java.util.Objects;

/**
 * Decision: stop {@code victim} (the edge requeues it, it is never lost) to make room for {@code
 * forShard}; {@code reason} says which rule allowed it. Immutable.
 */
public record Preempt(ShardRef victim, ShardRef forShard, String reason) {
  public Preempt {
    Objects.requireNonNull(victim, "victim");
    Objects.requireNonNull(forShard, "forShard");
    Objects.requireNonNull(reason, "reason");
  }
}
