package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.coordinator.scheduler.SnapshotFixture.gpuQuota;

import org.junit.jupiter.api.Test;

/** Priority preemption within a nation and quota reclaim from borrowers, and nothing else. */
class SchedulerPreemptionTest {
  private static SnapshotFixture borrowedByFr(long frNominal) {
    return new SnapshotFixture()
        .node("DE", "a", 8)
        .quota("DE", gpuQuota(8, null, null))
        .quota("FR", gpuQuota(frNominal, null, null))
        .running(
            "f", "FR", 0, false, 1, "DE/a", "DE/a", "DE/a", "DE/a", "DE/a", "DE/a", "DE/a", "DE/a");
  }

  @Test
  void schedule_nationWithinNominal_reclaimsFromBorrowerNewestFirst() {
    Decisions d = borrowedByFr(0).job("d", "DE", 0, 1, 4).schedule();
    assertThat(d.preemptions())
        .extracting(Preempt::victim)
        .containsExactly(
            new ShardRef("f", 7), new ShardRef("f", 6), new ShardRef("f", 5), new ShardRef("f", 4));
    assertThat(d.preemptions()).allMatch(p -> p.forShard().equals(new ShardRef("d", 0)));
    assertThat(d.preemptions().get(0).reason())
        .isEqualTo(
            "preempted: FR borrows 8 GPUs above its nominal 0 and DE reclaims its quota for d/0 on DE/a");
    assertThat(d.preemptions().get(3).reason()).contains("FR borrows 5 GPUs");
    assertThat(d.placements())
        .singleElement()
        .extracting(Place::reason)
        .isEqualTo(
            "placed on DE/a after preempting 4 shards (quota reclaim), 0 of 8 GPUs free after");
  }

  @Test
  void schedule_reclaim_neverTakesVictimBelowNominal() {
    // FR borrows only 2 above its nominal 6; DE needs 4 freed.
    Decisions d = borrowedByFr(6).job("d", "DE", 0, 1, 4).schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.placements()).isEmpty();
    assertThat(d.pending().get(new ShardRef("d", 0))).startsWith("no node of 1 fits 4 GPUs");
  }

  @Test
  void schedule_reclaim_victimLargerThanWhatIsBorrowed_spared() {
    // FR borrows 2 above its nominal 6, but each of its shards holds 4: taking one would leave
    // FR at 4, below nominal.
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(6, null, null))
            .running("f", "FR", 0, false, 4, "DE/a", "DE/a")
            .job("d", "DE", 0, 1, 2)
            .schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.pending()).containsOnlyKeys(new ShardRef("d", 0));
  }

  @Test
  void schedule_reclaim_takesWhatIsBorrowedDownToNominal() {
    Decisions d = borrowedByFr(6).job("d", "DE", 0, 1, 2).schedule();
    assertThat(d.preemptions()).hasSize(2);
    assertThat(d.placements()).hasSize(1);
  }

  @Test
  void schedule_victimNotBorrowing_noReclaim() {
    Decisions d = borrowedByFr(8).job("d", "DE", 9, 1, 1).schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.pending()).containsOnlyKeys(new ShardRef("d", 0));
  }

  @Test
  void schedule_preemptorWouldBorrow_noReclaim() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("DE", gpuQuota(2, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .running("f", "FR", 0, false, 8, "DE/a")
            .job("d", "DE", 0, 1, 4)
            .schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.pending().get(new ShardRef("d", 0)))
        .startsWith(
            "quota: DE would borrow 2 GPUs above its nominal 2, but the cohort can lend only 0");
  }

  @Test
  void schedule_higherPriorityInNation_preemptsNewestLowerPriority() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .running(
                "low", "DE", 1, false, 1, "DE/a", "DE/a", "DE/a", "DE/a", "DE/a", "DE/a", "DE/a",
                "DE/a")
            .job("high", "DE", 5, 1, 2)
            .schedule();
    assertThat(d.preemptions())
        .extracting(Preempt::victim)
        .containsExactly(new ShardRef("low", 7), new ShardRef("low", 6));
    assertThat(d.preemptions().get(0).reason())
        .isEqualTo("preempted: priority 1 < 5 of DE job high, to place high/0 on DE/a");
    assertThat(d.placements())
        .singleElement()
        .extracting(Place::reason)
        .isEqualTo(
            "placed on DE/a after preempting 2 shards (priority within DE), 0 of 8 GPUs free after");
  }

  @Test
  void schedule_priorityPreemption_lowestPriorityBeforeNewest() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 2)
            .running("p1", "DE", 1, false, 1, "DE/a") // older, but lower priority
            .running("p2", "DE", 2, false, 1, "DE/a")
            .job("high", "DE", 5, 1, 1)
            .schedule();
    assertThat(d.preemptions()).extracting(Preempt::victim).containsExactly(new ShardRef("p1", 0));
  }

  @Test
  void schedule_priorityPreemption_prefersNodeWithLowerPriorityVictims() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .running("p3", "DE", 3, false, 8, "DE/a")
            .running("p1", "DE", 1, false, 8, "DE/b")
            .job("high", "DE", 5, 1, 8)
            .schedule();
    assertThat(d.preemptions()).extracting(Preempt::victim).containsExactly(new ShardRef("p1", 0));
    assertThat(d.placements()).extracting(Place::node).containsExactly(new NodeId("DE", "b"));
  }

  @Test
  void schedule_equalPriority_noPreemption() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .running("same", "DE", 5, false, 8, "DE/a")
            .job("other", "DE", 5, 1, 1)
            .schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.pending()).containsOnlyKeys(new ShardRef("other", 0));
  }

  @Test
  void schedule_higherPriorityOfAnotherNation_noPreemption() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(8, null, null))
            .running("f", "FR", 0, false, 8, "DE/a")
            .job("d", "DE", 9, 1, 1)
            .schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.placements()).isEmpty();
  }

  @Test
  void schedule_victimInGang_wholeGangPreempted() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 4)
            .node("DE", "b", 4)
            .running("g", "DE", 1, true, 4, "DE/a", "DE/b")
            .job("high", "DE", 5, 1, 4)
            .job("next", "DE", 0, 1, 4)
            .schedule();
    assertThat(d.preemptions())
        .extracting(Preempt::victim)
        .containsExactlyInAnyOrder(new ShardRef("g", 0), new ShardRef("g", 1));
    assertThat(d.preemptions()).anyMatch(p -> p.reason().endsWith("(whole gang g)"));
    // The sibling's node is free again, so a later job uses it in the same pass.
    assertThat(d.placements()).extracting(p -> p.shard().jobId()).containsExactly("high", "next");
  }

  @Test
  void schedule_gangSiblingOnAnotherNode_doesNotMakeRoomHere() {
    // Preempting the gang frees 2 GPUs on each node; the job needs 4 on one.
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 4)
            .node("DE", "b", 4)
            .running("g", "DE", 1, true, 2, "DE/a", "DE/b")
            .running("keep", "DE", 9, false, 2, "DE/a", "DE/b")
            .job("high", "DE", 5, 1, 4)
            .schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.placements()).isEmpty();
  }

  @Test
  void schedule_gangPreemptor_rolledBackWhenItCannotFitWhole_victimsKept() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 4)
            .running("low", "DE", 1, false, 4, "DE/a")
            .gang("big", "DE", 5, 2, 4)
            .schedule();
    assertThat(d.preemptions()).isEmpty();
    assertThat(d.placements()).isEmpty();
    assertThat(d.pending().values()).allMatch(r -> r.startsWith("gang of 2: only 1 shards fit;"));
  }
}
