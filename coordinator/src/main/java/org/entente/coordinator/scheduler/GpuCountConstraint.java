package org.entente.coordinator.scheduler;

import java.util.Optional;

/** The node must have the shard's GPUs, CPUs and memory free. Stateless. */
public final class GpuCountConstraint implements Constraint {
  @Override
  public String name() {
    return "free resources";
  }

  @Override
  public boolean isStatic() {
    return false;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    return request.demand().resources().fitsIn(free);
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    ResourceVector need = request.demand().resources();
    for (int r = 0; r < ResourceVector.DIMENSIONS; r++) {
      if (need.component(r) > free.component(r)) {
        return Optional.of(
            node.id()
                + " has "
                + ResourceVector.describe(r, free.component(r))
                + " free of "
                + ResourceVector.describe(r, node.capacity().component(r))
                + ", shard needs "
                + ResourceVector.describe(r, need.component(r)));
      }
    }
    return Optional.empty();
  }
}
