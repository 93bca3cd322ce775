package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.coordinator.scheduler.SnapshotFixture.gpuQuota;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Replays 50 passes the way the edge does (placed shards run, preempted ones wait again) with two
 * jobs competing for one node: at most one preemption ever happens and the state then stays put.
 */
class SchedulerStabilityTest {
  private static final int ROUNDS = 50;

  private record Outcome(int preemptions, int lastChangeRound, Set<ShardRef> running) {}

  private static Outcome replay(SnapshotFixture f) {
    int preemptions = 0;
    int lastChange = -1;
    for (int round = 0; round < ROUNDS; round++) {
      Decisions d = f.schedule();
      preemptions += d.preemptions().size();
      if (!d.placements().isEmpty() || !d.preemptions().isEmpty()) {
        lastChange = round;
      }
      f.apply(d);
    }
    Set<ShardRef> running = new HashSet<>();
    for (RunningShard r : f.running()) {
      running.add(r.ref());
    }
    return new Outcome(preemptions, lastChange, running);
  }

  @Test
  void replay_priorityPreemption_happensOnceThenStable() {
    SnapshotFixture f =
        new SnapshotFixture()
            .node("DE", "a", 4)
            .running("low", "DE", 1, false, 4, "DE/a")
            .job("high", "DE", 5, 1, 4);
    Outcome o = replay(f);
    assertThat(o.preemptions()).isEqualTo(1);
    assertThat(o.lastChangeRound()).isZero();
    assertThat(o.running()).containsExactly(new ShardRef("high", 0));
    assertThat(f.schedule().pending()).containsOnlyKeys(new ShardRef("low", 0));
  }

  @Test
  void replay_quotaReclaim_happensOnceThenStable() {
    // FR's job has the higher priority, which must not matter across nations.
    SnapshotFixture f =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .running("borrower", "FR", 9, false, 8, "DE/a")
            .job("owner", "DE", 0, 1, 8);
    Outcome o = replay(f);
    assertThat(o.preemptions()).isEqualTo(1);
    assertThat(o.lastChangeRound()).isZero();
    assertThat(o.running()).containsExactly(new ShardRef("owner", 0));
  }

  @Test
  void replay_bothPendingAtOnce_noPreemptionAtAll() {
    SnapshotFixture f =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .job("borrower", "FR", 9, 1, 8)
            .job("owner", "DE", 0, 1, 8)
            .job("low", "DE", -1, 1, 8);
    Outcome o = replay(f);
    assertThat(o.preemptions()).isZero();
    assertThat(o.running()).hasSize(1);
    assertThat(o.lastChangeRound()).isZero();
  }

  @Test
  void replay_gangsOfBothNations_atMostOnePreemptionRound() {
    SnapshotFixture f =
        new SnapshotFixture()
            .node("DE", "a", 4)
            .node("DE", "b", 4)
            .quota("DE", gpuQuota(4, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .running("fr", "FR", 3, true, 4, "DE/a", "DE/b")
            .gang("de", "DE", 0, 1, 4);
    Outcome o = replay(f);
    // Reclaiming one shard of FR's gang takes the whole gang: 2 decisions, one preemption.
    assertThat(o.preemptions()).isEqualTo(2);
    assertThat(o.lastChangeRound()).isZero();
    assertThat(o.running()).containsExactly(new ShardRef("de", 0));
    assertThat(List.copyOf(f.schedule().pending().keySet()))
        .containsExactlyInAnyOrder(new ShardRef("fr", 0), new ShardRef("fr", 1));
  }
}
