package org.entente.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;
import org.junit.jupiter.api.Test;

class RetentionTest {
  private static final long ENDED = 1_000_000;
  private static final Retention.Periods DAY = new Retention.Periods(86_400_000, 60_000);

  private static JobRecord job(JobState state) {
    JobSpec spec =
        new JobSpec(
            "j",
            "inference",
            2,
            new JobSpec.ShardAsk(1, 0, 1, 0),
            false,
            new JobSpec.Rules(Set.of(), false, Map.of(), ""),
            0,
            0,
            0,
            null,
            List.of(),
            Map.of());
    return new JobRecord("j1-7", "FR", "op", "r", spec, 1, 0, state, "", ENDED);
  }

  private static ShardRecord[] ranOnce() {
    return new ShardRecord[] {
      ShardRecord.pending(0, 1)
          .placed("DE/gpu-1", "t", 10, 1)
          .running(20, 1)
          .finished(ShardState.SUCCEEDED, "ok", ENDED, 1),
      ShardRecord.pending(1, 1)
          .placed("JP/gpu-1", "t", 10, 1)
          .running(20, 1)
          .finished(ShardState.SUCCEEDED, "ok", ENDED, 1)
    };
  }

  private static Retention.Decision decide(
      JobRecord job,
      ShardRecord[] shards,
      Set<String> closed,
      long lastEntry,
      long cosigned,
      long now) {
    return Retention.decide(job, shards, closed::contains, lastEntry, cosigned, now, DAY);
  }

  private static final Set<String> BOTH_CLOSED =
      Set.of(ReceiptIds.of("j1-7", 0, 1), ReceiptIds.of("j1-7", 1, 1));

  @Test
  void finishedJob_isPruned_onlyOnceRetentionIsOver_andItsLastEntryIsCosigned() {
    long later = ENDED + DAY.retentionMs();
    assertThat(decide(job(JobState.SUCCEEDED), ranOnce(), BOTH_CLOSED, 41, 42, later).verdict())
        .isEqualTo(Retention.Verdict.PRUNE);
    // One millisecond short of the retention period.
    assertThat(decide(job(JobState.SUCCEEDED), ranOnce(), BOTH_CLOSED, 41, 42, later - 1).verdict())
        .isEqualTo(Retention.Verdict.KEEP);
    // The last entry naming the job is at index 42: a checkpoint of size 42 does not hold it.
    assertThat(decide(job(JobState.SUCCEEDED), ranOnce(), BOTH_CLOSED, 42, 42, later).verdict())
        .isEqualTo(Retention.Verdict.KEEP);
    assertThat(decide(job(JobState.SUCCEEDED), ranOnce(), BOTH_CLOSED, 41, 0, later).verdict())
        .isEqualTo(Retention.Verdict.KEEP);
  }

  @Test
  void runningJob_isNeverPruned() {
    for (JobState s : List.of(JobState.PENDING, JobState.RUNNING)) {
      assertThat(decide(job(s), ranOnce(), BOTH_CLOSED, -1, 1_000, Long.MAX_VALUE / 2).verdict())
          .isEqualTo(Retention.Verdict.KEEP);
    }
  }

  @Test
  void jobThatNeverRan_needsNoLedgerEntry() {
    ShardRecord[] never = {ShardRecord.pending(0, 1), ShardRecord.pending(1, 1)};
    assertThat(
            decide(job(JobState.CANCELLED), never, Set.of(), -1, 0, ENDED + DAY.retentionMs())
                .verdict())
        .isEqualTo(Retention.Verdict.PRUNE);
  }

  @Test
  void openAttempt_waitsForItsReceipt_thenIsClosedByTheLeader_beforeAnyPruning() {
    Set<String> oneClosed = Set.of(ReceiptIds.of("j1-7", 0, 1));
    Retention.Periods zero = new Retention.Periods(0, 60_000);
    Retention.Decision waiting =
        Retention.decide(
            job(JobState.CANCELLED), ranOnce(), oneClosed::contains, 5, 100, ENDED + 59_999, zero);
    assertThat(waiting.verdict()).isEqualTo(Retention.Verdict.KEEP);
    Retention.Decision overdue =
        Retention.decide(
            job(JobState.CANCELLED), ranOnce(), oneClosed::contains, 5, 100, ENDED + 60_000, zero);
    assertThat(overdue.verdict()).isEqualTo(Retention.Verdict.CLOSE_OPEN_ATTEMPTS);
    assertThat(overdue.openShards()).containsExactly(1);
  }

  @Test
  void negativePeriods_areRefused() {
    assertThatThrownBy(() -> new Retention.Periods(-1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Retention.Periods(0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
