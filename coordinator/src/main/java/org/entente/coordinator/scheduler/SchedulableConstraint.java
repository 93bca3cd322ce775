package org.entente.coordinator.scheduler;

import java.util.Optional;

/** Draining and lost nodes keep what runs on them but take nothing new. Stateless. */
public final class SchedulableConstraint implements Constraint {
  @Override
  public String name() {
    return "schedulable";
  }

  @Override
  public boolean isStatic() {
    return true;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    return node.schedulable();
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    return node.schedulable()
        ? Optional.empty()
        : Optional.of(node.id() + " takes no new shards (draining or lost)");
  }
}
