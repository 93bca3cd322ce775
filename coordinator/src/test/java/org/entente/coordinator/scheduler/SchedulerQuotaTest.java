package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.coordinator.scheduler.SnapshotFixture.gpuQuota;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The cohort quota: nominal, borrowing limit, lending limit, and what the cohort can lend. */
class SchedulerQuotaTest {
  private static Map<String, Long> placedPerNation(Decisions d) {
    return d.placements().stream()
        .collect(
            Collectors.groupingBy(
                p -> p.shard().jobId().startsWith("f") ? "FR" : "JP", Collectors.counting()));
  }

  @Test
  void schedule_noBorrowing_stopsAtNominal() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("FR", gpuQuota(2, 0L, null))
            .job("f", "FR", 0, 3, 1)
            .schedule();
    assertThat(d.placements()).hasSize(2);
    assertThat(d.pending())
        .containsExactly(
            Map.entry(
                new ShardRef("f", 2), "quota: FR would use 3 GPUs; nominal 2 + borrowing limit 0"));
  }

  @Test
  void schedule_borrowingLimit_stopsAtNominalPlusLimit() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .quota("FR", gpuQuota(2, 3L, null))
            .job("f", "FR", 0, 7, 1)
            .schedule();
    assertThat(d.placements()).hasSize(5);
    assertThat(d.pending().get(new ShardRef("f", 5)))
        .isEqualTo("quota: FR would use 6 GPUs; nominal 2 + borrowing limit 3");
  }

  @Test
  void schedule_lendingLimit_capsWhatOthersBorrow() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .quota("DE", gpuQuota(8, null, 2L))
            .quota("FR", gpuQuota(0, null, null))
            .job("f", "FR", 0, 5, 1)
            .schedule();
    assertThat(d.placements()).hasSize(2);
    assertThat(d.pending().get(new ShardRef("f", 2)))
        .isEqualTo(
            "quota: FR would borrow 3 GPUs above its nominal 0, but the cohort can lend only 2"
                + " (2 unused and lendable by others, 0 borrowed by others)");
  }

  @Test
  void schedule_lenderUsesItsQuota_lessToLend() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .running("mine", "DE", 0, false, 6, "DE/a")
            .job("f", "FR", 0, 4, 1)
            .schedule();
    assertThat(d.placements()).hasSize(2);
  }

  @Test
  void schedule_borrowersShareTheCohort_totalBorrowingBounded() {
    SnapshotFixture f =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .quota("JP", gpuQuota(0, null, null));
    for (int i = 0; i < 6; i++) {
      f.job("f" + i, "FR", 0, 1, 1).job("j" + i, "JP", 0, 1, 1);
    }
    Decisions d = f.schedule();
    assertThat(placedPerNation(d)).containsOnly(Map.entry("FR", 4L), Map.entry("JP", 4L));
    assertThat(d.pending().values()).allMatch(r -> r.contains("4 borrowed by others"));
  }

  @Test
  void schedule_withinNominal_admittedEvenWhenOthersBorrowedItsShare() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("DE", "b", 8)
            .quota("DE", gpuQuota(8, null, null))
            .quota("FR", gpuQuota(0, null, null))
            .running("borrowed", "FR", 0, false, 8, "DE/a")
            .job("d", "DE", 0, 8, 1)
            .schedule();
    assertThat(d.placements()).hasSize(8).allMatch(p -> p.node().name().equals("b"));
    assertThat(d.preemptions()).isEmpty();
  }

  @Test
  void schedule_nationWithoutQuota_nominalIsContributedCapacity() {
    // FR contributes 2 GPUs and may borrow without limit; DE lends all its 8 by default.
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("FR", "b", 2)
            .job("f", "FR", 0, 10, 1)
            .schedule();
    assertThat(d.placements()).hasSize(10);
  }
}
