package org.entente.coordinator.scheduler;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A node as the scheduler sees it: capacity, the smallest memory among its GPUs (0 when it has no
 * GPUs), its GPU model ("" when unknown) and labels. {@code schedulable} is false for DRAINING and
 * LOST nodes: they keep their running shards but get no new ones. Immutable; labels are kept sorted
 * so that reasons read the same in every run.
 */
public record NodeSnapshot(
    NodeId id,
    ResourceVector capacity,
    long gpuMemoryBytes,
    String gpuModel,
    Map<String, String> labels,
    boolean schedulable) {
  public NodeSnapshot {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(capacity, "capacity");
    Objects.requireNonNull(gpuModel, "gpuModel");
    if (gpuMemoryBytes < 0) {
      throw new IllegalArgumentException(id + ": gpuMemoryBytes must not be negative");
    }
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
  }
}
