package org.entente.coordinator.scheduler;

import java.util.Objects;

/**
 * What one shard asks for: additive resources, and a minimum memory per GPU (0 = any). Immutable.
 */
public record ShardDemand(ResourceVector resources, long gpuMemoryBytes) {
  public ShardDemand {
    Objects.requireNonNull(resources, "resources");
    if (gpuMemoryBytes < 0) {
      throw new IllegalArgumentException("gpuMemoryBytes must not be negative");
    }
  }
}
