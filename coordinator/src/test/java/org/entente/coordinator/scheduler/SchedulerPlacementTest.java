package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.coordinator.scheduler.SnapshotFixture.GIB;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Node choice, constraints, gangs and spread, without quota pressure or preemption. */
class SchedulerPlacementTest {
  private static Map<ShardRef, NodeId> nodesOf(Decisions d) {
    return d.placements().stream().collect(Collectors.toMap(Place::shard, Place::node));
  }

  private static Map<String, Long> perNation(Decisions d) {
    return d.placements().stream()
        .collect(Collectors.groupingBy(p -> p.node().nation(), Collectors.counting()));
  }

  @Test
  void schedule_severalNodesFit_takesTheOneWithFewestFreeGpus() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .node("DE", "c", 8)
            .running("busyA", "DE", 0, false, 5, "DE/a") // a: 3 free
            .running("busyC", "DE", 0, false, 7, "DE/c") // c: 1 free, too few
            .job("j", "DE", 0, 1, 2)
            .schedule();
    assertThat(d.placements())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.node()).isEqualTo(new NodeId("DE", "a"));
              assertThat(p.reason()).isEqualTo("placed on DE/a: best fit, 1 of 8 GPUs free after");
            });
    assertThat(d.pending()).isEmpty();
  }

  @Test
  void schedule_shardsOneByOne_fillOneNodeBeforeTouchingAnother() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .job("j", "DE", 0, 8, 1)
            .schedule();
    assertThat(d.placements()).extracting(Place::node).containsOnly(d.placements().get(0).node());
  }

  @Test
  void schedule_cpuOnlyShard_takesCpuNodeWithFewestFreeCpus() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "gpu", 8)
            .node(cpuNode("c1", 32))
            .node(cpuNode("c2", 12))
            .job(
                new PendingJob(
                    "cpu",
                    "DE",
                    0,
                    0,
                    false,
                    new ShardDemand(new ResourceVector(0, 4, GIB), 0),
                    Placement.ANY,
                    List.of(0),
                    1))
            .schedule();
    assertThat(d.placements())
        .singleElement()
        .extracting(Place::node)
        .isEqualTo(new NodeId("DE", "c2"));
    assertThat(d.placements().get(0).reason()).endsWith("8 of 12 CPUs free after");
  }

  private static NodeSnapshot cpuNode(String name, long cpus) {
    return new NodeSnapshot(
        new NodeId("DE", name), new ResourceVector(0, cpus, 256 * GIB), 0, "", Map.of(), true);
  }

  @Test
  void schedule_jurisdictionWithoutNodes_waitsNamingJurisdiction() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("FR", "b", 8)
            .job("j", "DE", 0, false, 1, 1, new Placement(Set.of("JP"), false, Map.of(), ""))
            .schedule();
    assertThat(d.placements()).isEmpty();
    assertThat(d.pending())
        .containsExactly(
            Map.entry(
                new ShardRef("j", 0),
                "no node of 2 fits 1 GPU, 1 CPU, 1 GiB of memory: jurisdiction rejects 2 nodes"
                    + " (e.g. DE/a: nation DE is not in jurisdiction [JP])"));
  }

  @Test
  void schedule_noRoom_reasonCountsEachConstraint() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .node("FR", "c", 8)
            .node(
                new NodeSnapshot(
                    new NodeId("DE", "lost"),
                    new ResourceVector(8, 64, 512 * GIB),
                    80 * GIB,
                    "H100",
                    Map.of(),
                    false))
            .running("busy", "DE", 0, false, 6, "DE/a", "DE/b")
            .job("j", "DE", 0, false, 1, 4, new Placement(Set.of("DE"), false, Map.of(), ""))
            .schedule();
    assertThat(d.pending().get(new ShardRef("j", 0)))
        .isEqualTo(
            "no node of 4 fits 4 GPUs, 4 CPUs, 4 GiB of memory:"
                + " schedulable rejects 1 node (e.g. DE/lost takes no new shards (draining or lost));"
                + " jurisdiction rejects 1 node (e.g. FR/c: nation FR is not in jurisdiction [DE]);"
                + " free resources rejects 2 nodes (e.g. DE/a has 2 GPUs free of 8 GPUs, shard needs 4 GPUs)");
  }

  @Test
  void schedule_labelsModelAndGpuMemory_onlyMatchingNodeChosen() {
    NodeSnapshot plain = node("plain", "H100", 80, Map.of());
    NodeSnapshot small = node("small", "A100", 40, Map.of("zone", "secure"));
    NodeSnapshot right = node("right", "A100", 80, Map.of("zone", "secure"));
    Decisions d =
        new SnapshotFixture()
            .node(plain)
            .node(small)
            .node(right)
            .job(
                new PendingJob(
                    "j",
                    "DE",
                    0,
                    0,
                    false,
                    new ShardDemand(SnapshotFixture.gpus(1), 80 * GIB),
                    new Placement(Set.of(), false, Map.of("zone", "secure"), "a100"),
                    List.of(0, 1),
                    2))
            .schedule();
    assertThat(d.placements()).extracting(Place::node).containsOnly(right.id());
  }

  private static NodeSnapshot node(
      String name, String model, long gpuGib, Map<String, String> labels) {
    return new NodeSnapshot(
        new NodeId("DE", name),
        new ResourceVector(8, 64, 512 * GIB),
        gpuGib * GIB,
        model,
        labels,
        true);
  }

  @Test
  void schedule_gangTooBig_placesNoneAndAllWaitWithOneReason() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .quota("DE", SnapshotFixture.gpuQuota(100, null, null))
            .running("busy", "DE", 9, false, 4, "DE/b")
            .gang("g", "DE", 5, 16, 1)
            .schedule();
    assertThat(d.placements()).isEmpty();
    assertThat(d.pending()).hasSize(16);
    assertThat(Set.copyOf(d.pending().values()))
        .singleElement()
        .asString()
        .startsWith("gang of 16: only 12 shards fit; no node of 2 fits 1 GPU");
  }

  @Test
  void schedule_failedGang_holdsNothingForLaterJobs() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .running("busy", "DE", 9, false, 4, "DE/b")
            .gang("g", "DE", 5, 16, 1) // served first (higher priority), does not fit
            .job("later", "DE", 0, 12, 1)
            .schedule();
    assertThat(d.placements()).hasSize(12).allMatch(p -> p.shard().jobId().equals("later"));
    assertThat(d.pending().keySet()).allMatch(s -> s.jobId().equals("g"));
  }

  @Test
  void schedule_gangThatFits_placedWhole() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .running("busy", "DE", 0, false, 3, "DE/a")
            .gang("g", "DE", 0, 8, 1)
            .schedule();
    assertThat(d.placements()).hasSize(8);
    assertThat(d.pending()).isEmpty();
  }

  @Test
  void schedule_spread_evenOverNations() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("FR", "b", 8)
            .node("JP", "c", 8)
            .job("s", "DE", 0, false, 6, 1, new Placement(Set.of(), true, Map.of(), ""))
            .schedule();
    assertThat(perNation(d))
        .containsOnly(Map.entry("DE", 2L), Map.entry("FR", 2L), Map.entry("JP", 2L));
  }

  @Test
  void schedule_spreadWithinJurisdiction_capIsOverEligibleNations() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("FR", "b", 8)
            .node("JP", "c", 8)
            .job("s", "DE", 0, false, 6, 1, new Placement(Set.of("DE", "FR"), true, Map.of(), ""))
            .schedule();
    assertThat(perNation(d)).containsOnly(Map.entry("DE", 3L), Map.entry("FR", 3L));
  }

  @Test
  void schedule_spreadCapReached_waitsNamingSpread() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("FR", "b", 1)
            .job("s", "DE", 0, false, 4, 1, new Placement(Set.of(), true, Map.of(), ""))
            .schedule();
    assertThat(perNation(d)).containsOnly(Map.entry("DE", 2L), Map.entry("FR", 1L));
    assertThat(d.pending().get(new ShardRef("s", 3)))
        .contains(
            "spread rejects 1 node (e.g. DE/a: job s already has 2 shards in DE, spread allows 2 per nation)")
        .contains("free resources rejects 1 node (e.g. FR/b has 0 GPUs free of 1 GPU");
  }

  @Test
  void schedule_manyIdenticalUnplaceableShards_allWaitWithTheSameReason() {
    SnapshotFixture f = new SnapshotFixture().node("DE", "a", 8);
    IntStream.range(0, 2_000).forEach(i -> f.job("j" + i, "DE", 0, 1, 1));
    Decisions d = f.schedule();
    assertThat(d.placements()).hasSize(8);
    assertThat(d.pending()).hasSize(1_992);
    assertThat(Set.copyOf(d.pending().values())).hasSize(1);
  }

  /** The worked example in {@link Scheduler}'s Javadoc, pass by pass. */
  @Test
  void schedule_javadocExample_asDocumented() {
    SnapshotFixture f =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .running("held", "DE", 0, false, 6, "DE/a")
            .job("f", "FR", 0, 1, 1)
            .gang("g", "DE", 0, 10, 1);
    Decisions first = f.schedule();
    assertThat(first.placements())
        .containsExactly(
            new Place(
                new ShardRef("f", 0),
                new NodeId("DE", "a"),
                "placed on DE/a: best fit, 1 of 8 GPUs free after"));
    assertThat(first.pending()).hasSize(10);
    assertThat(first.pending().get(new ShardRef("g", 0)))
        .startsWith(
            "gang of 10: only 9 shards fit; no node of 2 fits 1 GPU, 1 CPU, 1 GiB of memory");

    Decisions second = f.apply(first).schedule();
    assertThat(second.preemptions())
        .containsExactly(
            new Preempt(
                new ShardRef("f", 0),
                new ShardRef("g", 9),
                "preempted: FR borrows 1 GPU above its nominal 0 and DE reclaims its quota for g/9"
                    + " on DE/a"));
    assertThat(second.placements()).hasSize(10);
    assertThat(second.pending()).isEmpty();

    Decisions third = f.apply(second).schedule();
    assertThat(third.placements()).isEmpty();
    assertThat(third.preemptions()).isEmpty();
    assertThat(third.pending().get(new ShardRef("f", 0)))
        .startsWith(
            "quota: FR would borrow 1 GPU above its nominal 0, but the cohort can lend only 0");
  }

  @Test
  void schedule_olderJobFirstWithinPriority_higherPriorityBeforeOlder() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 2)
            .job("old", "DE", 0, 1, 1)
            .job("young", "DE", 0, 1, 1)
            .job("urgent", "DE", 9, 1, 1)
            .schedule();
    assertThat(nodesOf(d).keySet())
        .containsExactlyInAnyOrder(new ShardRef("urgent", 0), new ShardRef("old", 0));
    assertThat(d.pending()).containsOnlyKeys(new ShardRef("young", 0));
  }
}
