package org.entente.coordinator.scheduler;

import java.util.Optional;

/** A job with jurisdictions runs only on nodes of those nations. Stateless. */
public final class JurisdictionConstraint implements Constraint {
  @Override
  public String name() {
    return "jurisdiction";
  }

  @Override
  public boolean isStatic() {
    return true;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    var allowed = request.placement().jurisdictions();
    return allowed.isEmpty() || allowed.contains(node.id().nation());
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    return allows(request, node, free)
        ? Optional.empty()
        : Optional.of(
            node.id()
                + ": nation "
                + node.id().nation()
                + " is not in jurisdiction "
                + request.placement().jurisdictions());
  }
}
