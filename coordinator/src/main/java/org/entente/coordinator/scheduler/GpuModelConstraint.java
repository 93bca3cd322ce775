package org.entente.coordinator.scheduler;

import java.util.Optional;

/** A job naming a GPU model runs only on nodes of that model (ignoring case). Stateless. */
public final class GpuModelConstraint implements Constraint {
  @Override
  public String name() {
    return "GPU model";
  }

  @Override
  public boolean isStatic() {
    return true;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    String wanted = request.placement().gpuModel();
    return wanted.isEmpty() || wanted.equalsIgnoreCase(node.gpuModel());
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    if (allows(request, node, free)) {
      return Optional.empty();
    }
    String has = node.gpuModel().isEmpty() ? "an unknown GPU model" : node.gpuModel();
    return Optional.of(node.id() + " has " + has + ", job wants " + request.placement().gpuModel());
  }
}
