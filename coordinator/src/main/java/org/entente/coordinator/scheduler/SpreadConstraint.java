package org.entente.coordinator.scheduler;

import java.util.Optional;

/**
 * A spread job may put at most {@link ShardRequest#perNationCap()} shards in one nation. Stateless.
 */
public final class SpreadConstraint implements Constraint {
  @Override
  public String name() {
    return "spread";
  }

  /** The request carries the per-nation counts, so the node's nation decides. */
  @Override
  public boolean isStatic() {
    return true;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    return !request.placement().spread()
        || request.shardsPerNation().getOrDefault(node.id().nation(), 0) < request.perNationCap();
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    if (allows(request, node, free)) {
      return Optional.empty();
    }
    String nation = node.id().nation();
    return Optional.of(
        node.id()
            + ": job "
            + request.jobId()
            + " already has "
            + request.shardsPerNation().getOrDefault(nation, 0)
            + " shards in "
            + nation
            + ", spread allows "
            + request.perNationCap()
            + " per nation");
  }
}
