package org.entente.coordinator.scheduler;

import java.util.Optional;

/**
 * A shard that asks for GPUs with at least some memory each runs only on nodes whose smallest GPU
 * has that much. Stateless.
 */
public final class GpuMemoryConstraint implements Constraint {
  @Override
  public String name() {
    return "GPU memory";
  }

  @Override
  public boolean isStatic() {
    return true;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    ShardDemand d = request.demand();
    return d.resources().gpus() == 0 || node.gpuMemoryBytes() >= d.gpuMemoryBytes();
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    if (allows(request, node, free)) {
      return Optional.empty();
    }
    return Optional.of(
        node.id()
            + " has GPUs with "
            + ResourceVector.describe(2, node.gpuMemoryBytes())
            + ", shard needs "
            + ResourceVector.describe(2, request.demand().gpuMemoryBytes())
            + " per GPU");
  }
}
