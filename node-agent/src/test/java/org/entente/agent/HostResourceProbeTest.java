package org.entente.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.entente.proto.v1.NodeResources;
import org.junit.jupiter.api.Test;

class HostResourceProbeTest {
  @Test
  void probe_thisHost_reportsItsCoresMemoryLabelsAndConsistentGpus() {
    NodeResources r = new HostResourceProbe(Map.of("site", "test")).probe();

    assertThat(r.getCpuCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(r.getMemoryBytes()).isGreaterThan(Runtime.getRuntime().maxMemory() / 2);
    assertThat(r.getLabelsMap()).containsEntry("site", "test");
    // Without a CUDA driver DJL reports no GPU; with one, every GPU has an index and memory.
    for (int i = 0; i < r.getGpusCount(); i++) {
      assertThat(r.getGpus(i).getIndex()).isEqualTo(i);
      assertThat(r.getGpus(i).getMemoryBytes()).isPositive();
    }
  }
}
