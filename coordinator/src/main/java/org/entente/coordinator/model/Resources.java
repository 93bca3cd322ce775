package org.entente.coordinator.model;

import java.util.List;
import java.util.Map;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.NodeResources;

/** A node's resources as stored in ZooKeeper. Immutable. */
public record Resources(
    int cpuCores, long memoryBytes, List<GpuRecord> gpus, Map<String, String> labels) {
  /** One GPU. Immutable. */
  public record GpuRecord(int index, String model, long memoryBytes) {}

  public Resources {
    gpus = List.copyOf(gpus);
    labels = Map.copyOf(labels);
  }

  /**
   * Validates what an agent reports.
   *
   * @throws InvalidRequestException naming the bad field
   */
  public static Resources fromProto(NodeResources p) {
    if (p.getCpuCores() < 1 || p.getCpuCores() > 4096) {
      throw new InvalidRequestException(
          "register.resources.cpu_cores", "must be between 1 and 4096, got " + p.getCpuCores());
    }
    if (p.getMemoryBytes() < 0) {
      throw new InvalidRequestException("register.resources.memory_bytes", "must not be negative");
    }
    if (p.getGpusCount() > 64) {
      throw new InvalidRequestException("register.resources.gpus", "at most 64 GPUs per node");
    }
    if (p.getLabelsCount() > 32) {
      throw new InvalidRequestException("register.resources.labels", "at most 32 labels per node");
    }
    for (var e : p.getLabelsMap().entrySet()) {
      if (!e.getKey().matches("[a-z0-9][a-z0-9._/-]{0,62}")
          || !e.getValue().matches("[\\x20-\\x7e]{0,63}")) {
        throw new InvalidRequestException(
            "register.resources.labels[" + e.getKey() + "]",
            "label keys are 1-63 lowercase letters, digits, '.', '_', '/', '-'; values at most 63 printable ASCII characters");
      }
    }
    List<GpuRecord> gpus =
        p.getGpusList().stream()
            .map(
                g -> {
                  if (g.getMemoryBytes() < 0 || !g.getModel().matches("[\\x20-\\x7e]{0,64}")) {
                    throw new InvalidRequestException(
                        "register.resources.gpus[" + g.getIndex() + "]",
                        "memory must not be negative and model at most 64 printable ASCII characters");
                  }
                  return new GpuRecord(g.getIndex(), g.getModel(), g.getMemoryBytes());
                })
            .toList();
    return new Resources(p.getCpuCores(), p.getMemoryBytes(), gpus, p.getLabelsMap());
  }

  public NodeResources toProto() {
    NodeResources.Builder b =
        NodeResources.newBuilder()
            .setCpuCores(cpuCores)
            .setMemoryBytes(memoryBytes)
            .putAllLabels(labels);
    for (GpuRecord g : gpus) {
      b.addGpus(
          Gpu.newBuilder().setIndex(g.index()).setModel(g.model()).setMemoryBytes(g.memoryBytes()));
    }
    return b.build();
  }
}
