package org.entente.agent;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.NodeResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this host's resources: cores and physical memory from the JVM, GPUs and their memory
 * through DJL's CUDA utilities (zero GPUs when no CUDA driver is present). Stateless.
 */
public final class HostResourceProbe implements ResourceProbe {
  private static final Logger log = LoggerFactory.getLogger(HostResourceProbe.class);

  private final Map<String, String> labels;

  public HostResourceProbe(Map<String, String> labels) {
    this.labels = Map.copyOf(labels);
  }

  @Override
  public NodeResources probe() {
    NodeResources.Builder b =
        NodeResources.newBuilder()
            .setCpuCores(Runtime.getRuntime().availableProcessors())
            .setMemoryBytes(physicalMemory())
            .putAllLabels(labels);
    try {
      int count = CudaUtils.hasCuda() ? CudaUtils.getGpuCount() : 0;
      for (int i = 0; i < count; i++) {
        MemoryUsage mem = CudaUtils.getGpuMemory(Device.gpu(i));
        b.addGpus(
            Gpu.newBuilder()
                .setIndex(i)
                .setModel("cuda-sm" + CudaUtils.getComputeCapability(i))
                .setMemoryBytes(mem.getMax()));
      }
    } catch (RuntimeException | LinkageError e) {
      log.info("no usable CUDA runtime ({}); offering 0 GPUs", e.toString());
    }
    return b.build();
  }

  private static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }
}
