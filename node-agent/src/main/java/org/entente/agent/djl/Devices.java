package org.entente.agent.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a shard computes: the first GPU allocated to it, or the CPU. Stateless; thread-safe. */
final class Devices {
  /** The DJL engine every runner uses. */
  static final String ENGINE = "PyTorch";

  private static final Logger log = LoggerFactory.getLogger(Devices.class);

  private Devices() {}

  /**
   * The first of {@code allocated} (the node's GPU indexes, which are CUDA's) when the engine sees
   * GPUs, the CPU when the shard asked for none or the engine sees none (a CPU-only native
   * library).
   */
  static Device choose(List<Integer> allocated) {
    if (allocated.isEmpty()) {
      return Device.cpu();
    }
    int visible = Engine.getEngine(ENGINE).getGpuCount();
    if (visible == 0) {
      log.warn(
          "GPUs {} are allocated but the {} engine sees none: using the CPU", allocated, ENGINE);
      return Device.cpu();
    }
    int index = allocated.get(0);
    if (index < 0 || index >= visible) {
      throw new IllegalStateException(
          "GPU " + index + " is allocated to this shard but the engine sees only " + visible);
    }
    return Device.gpu(index);
  }
}
