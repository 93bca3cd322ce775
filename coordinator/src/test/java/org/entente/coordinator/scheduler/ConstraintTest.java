package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.coordinator.scheduler.SnapshotFixture.GIB;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each constraint allows a matching node and names the mismatch when it rejects one. */
class ConstraintTest {
  private static final NodeSnapshot NODE =
      new NodeSnapshot(
          new NodeId("DE", "gpu-3"),
          new ResourceVector(8, 64, 512 * GIB),
          40 * GIB,
          "A100",
          Map.of("zone", "secure"),
          true);
  private static final ResourceVector FREE = new ResourceVector(3, 64, 512 * GIB);

  private static ShardRequest request(Placement p, long gpus, long gpuMemory) {
    return ShardRequest.of("j1", new ShardDemand(new ResourceVector(gpus, 1, GIB), gpuMemory), p);
  }

  private static ShardRequest request(Placement p) {
    return request(p, 1, 0);
  }

  @Test
  void schedulable_drainingNode_rejected() {
    NodeSnapshot draining = new NodeSnapshot(NODE.id(), NODE.capacity(), 0, "", Map.of(), false);
    Constraint c = new SchedulableConstraint();
    assertThat(c.rejects(request(Placement.ANY), NODE, FREE)).isEmpty();
    assertThat(c.rejects(request(Placement.ANY), draining, FREE))
        .contains("DE/gpu-3 takes no new shards (draining or lost)");
  }

  @Test
  void jurisdiction_otherNation_rejected() {
    Constraint c = new JurisdictionConstraint();
    assertThat(
            c.rejects(request(new Placement(Set.of("DE", "FR"), false, Map.of(), "")), NODE, FREE))
        .isEmpty();
    assertThat(
            c.rejects(request(new Placement(Set.of("JP", "FR"), false, Map.of(), "")), NODE, FREE))
        .contains("DE/gpu-3: nation DE is not in jurisdiction [FR, JP]");
  }

  @Test
  void gpuModel_otherModel_rejected_caseIgnored() {
    Constraint c = new GpuModelConstraint();
    assertThat(c.rejects(request(new Placement(Set.of(), false, Map.of(), "a100")), NODE, FREE))
        .isEmpty();
    assertThat(c.rejects(request(new Placement(Set.of(), false, Map.of(), "H100")), NODE, FREE))
        .contains("DE/gpu-3 has A100, job wants H100");
  }

  @Test
  void gpuMemory_smallGpus_rejected_unlessNoGpusAsked() {
    Constraint c = new GpuMemoryConstraint();
    assertThat(c.rejects(request(Placement.ANY, 1, 40 * GIB), NODE, FREE)).isEmpty();
    assertThat(c.rejects(request(Placement.ANY, 0, 80 * GIB), NODE, FREE)).isEmpty();
    assertThat(c.rejects(request(Placement.ANY, 1, 80 * GIB), NODE, FREE))
        .contains("DE/gpu-3 has GPUs with 40 GiB of memory, shard needs 80 GiB of memory per GPU");
  }

  @Test
  void labels_missingOrDifferent_rejected() {
    Constraint c = new LabelsConstraint();
    assertThat(
            c.rejects(
                request(new Placement(Set.of(), false, Map.of("zone", "secure"), "")), NODE, FREE))
        .isEmpty();
    assertThat(
            c.rejects(
                request(new Placement(Set.of(), false, Map.of("zone", "open"), "")), NODE, FREE))
        .contains("DE/gpu-3 has zone=secure, job wants zone=open");
    assertThat(
            c.rejects(
                request(new Placement(Set.of(), false, Map.of("rack", "r1"), "")), NODE, FREE))
        .contains("DE/gpu-3 has no label rack, job wants rack=r1");
  }

  @Test
  void spread_nationAtCap_rejected() {
    Constraint c = new SpreadConstraint();
    Placement spread = new Placement(Set.of(), true, Map.of(), "");
    ShardDemand d = new ShardDemand(new ResourceVector(1, 1, GIB), 0);
    assertThat(c.rejects(new ShardRequest("j1", d, spread, Map.of("DE", 1), 2), NODE, FREE))
        .isEmpty();
    assertThat(c.rejects(new ShardRequest("j1", d, spread, Map.of("DE", 2), 2), NODE, FREE))
        .contains("DE/gpu-3: job j1 already has 2 shards in DE, spread allows 2 per nation");
  }

  @Test
  void gpuCount_tooFewFree_rejectedNamingTheResource() {
    Constraint c = new GpuCountConstraint();
    assertThat(c.rejects(request(Placement.ANY, 3, 0), NODE, FREE)).isEmpty();
    assertThat(c.rejects(request(Placement.ANY, 4, 0), NODE, FREE))
        .contains("DE/gpu-3 has 3 GPUs free of 8 GPUs, shard needs 4 GPUs");
    ShardRequest cpuHungry =
        ShardRequest.of("j1", new ShardDemand(new ResourceVector(0, 65, 0), 0), Placement.ANY);
    assertThat(c.rejects(cpuHungry, NODE, FREE))
        .contains("DE/gpu-3 has 64 CPUs free of 64 CPUs, shard needs 65 CPUs");
  }

  @Test
  void all_staticOnesFirst_eachNamedOnce() {
    assertThat(Constraint.ALL).extracting(Constraint::name).doesNotHaveDuplicates();
    assertThat(Constraint.ALL.subList(0, 6)).allMatch(Constraint::isStatic);
    assertThat(Constraint.ALL.get(6)).isInstanceOf(GpuCountConstraint.class);
    assertThat(Constraint.ALL.get(6).isStatic()).isFalse();
  }
}
