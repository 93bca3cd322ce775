package org.entente.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.Resources;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.junit.jupiter.api.Test;

/** The pool figures of the worked example in {@link PoolFigures}'s Javadoc, and its edges. */
class PoolFiguresTest {
  private static final Set<String> MEMBERS = Set.of("DE", "FR", "JP");

  private static NodeRecord node(String nation, String name, int gpus, NodeState state) {
    List<Resources.GpuRecord> g =
        java.util.stream.IntStream.range(0, gpus)
            .mapToObj(i -> new Resources.GpuRecord(i, "H100", 80L << 30))
            .toList();
    return new NodeRecord(
        nation, name, new Resources(16, 64L << 30, g, Map.of()), state, "DE/c@h:1", 0, "s");
  }

  private static JobView.Job job(String nation, int gpus, ShardRecord... shards) {
    JobSpec spec =
        new JobSpec(
            "j",
            "inference",
            shards.length,
            new JobSpec.ShardAsk(gpus, 0, 1, 0),
            false,
            new JobSpec.Rules(Set.of(), false, Map.of(), ""),
            0,
            1,
            0,
            null,
            List.of(),
            Map.of());
    return new JobView.Job(
        new JobRecord("j1-1", nation, "op", "r", spec, 1, 0, JobState.RUNNING, "", 0),
        List.of(shards));
  }

  private static ShardRecord shard(int index, ShardState state, String node) {
    return new ShardRecord(index, state, node, 1, 0, "", 0, 0, 0, 0, 1);
  }

  @Test
  void of_workedExample_countsNodesGpusShardsAndQuotaUse() {
    NodeKey gpu1 = new NodeKey("DE", "gpu-1");
    NodeKey cpu1 = new NodeKey("JP", "cpu-1");
    PoolFigures f =
        PoolFigures.of(
            Map.of(gpu1, node("DE", "gpu-1", 2, NodeState.ACTIVE)),
            Set.of(gpu1, cpu1),
            List.of(job("FR", 1, shard(0, ShardState.RUNNING, "DE/gpu-1"))),
            Map.of(),
            MEMBERS);

    assertThat(f.nodes().get("DE")).containsEntry("ACTIVE", 1L).containsEntry("LOST", 0L);
    assertThat(f.nodes().get("JP")).containsEntry("ACTIVE", 0L).containsEntry("LOST", 1L);
    assertThat(f.nodes().get("FR")).containsOnlyKeys("ACTIVE", "DRAINING", "LOST");
    assertThat(f.gpusUsed()).containsEntry("DE", 1L).containsEntry("JP", 0L);
    assertThat(f.gpusFree()).containsEntry("DE", 1L).containsEntry("JP", 0L);
    assertThat(f.shards().get("FR")).isEqualTo(Map.of("pending", 0L, "placed", 0L, "running", 1L));
    assertThat(f.quotaUsedGpus()).containsEntry("FR", 1L).containsEntry("DE", 0L);
    // No governed quota: nominal is what the nation's live nodes contribute.
    assertThat(f.quotaNominalGpus())
        .containsEntry("DE", 2L)
        .containsEntry("FR", 0L)
        .containsEntry("JP", 0L);
  }

  @Test
  void of_governedQuotaDrainingNodeAndEndedShards_followTheirRules() {
    NodeKey a = new NodeKey("DE", "a");
    PoolFigures f =
        PoolFigures.of(
            Map.of(a, node("DE", "a", 4, NodeState.DRAINING)),
            Set.of(),
            List.of(
                job(
                    "DE",
                    2,
                    shard(0, ShardState.PLACED, "DE/a"),
                    shard(1, ShardState.REQUEUED, "DE/a"),
                    shard(2, ShardState.PENDING, ""),
                    shard(3, ShardState.SUCCEEDED, "DE/a"))),
            Map.of("DE", Quota.unlimited(new ResourceVector(8, 0, 0))),
            MEMBERS);

    assertThat(f.nodes().get("DE")).containsEntry("DRAINING", 1L);
    // A draining node takes no new work: none of its GPUs is free.
    assertThat(f.gpusFree()).containsEntry("DE", 0L);
    assertThat(f.gpusUsed()).containsEntry("DE", 2L);
    assertThat(f.shards().get("DE")).isEqualTo(Map.of("pending", 2L, "placed", 1L, "running", 0L));
    assertThat(f.quotaUsedGpus()).containsEntry("DE", 2L);
    assertThat(f.quotaNominalGpus()).containsEntry("DE", 8L);
  }

  @Test
  void empty_hasNoSeries() {
    assertThat(PoolFigures.EMPTY.nodes()).isEmpty();
    assertThat(PoolFigures.EMPTY.quotaNominalGpus()).isEmpty();
  }
}
