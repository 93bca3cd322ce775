package org.entente.coordinator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobLifecycleTest {
  private static final JobLifecycle.Backoff BACKOFF = new JobLifecycle.Backoff(1000, 8000);

  static JobSpec spec(int shards, boolean gang, int retryLimit) {
    return new JobSpec(
        "j",
        "training",
        shards,
        new JobSpec.ShardAsk(1, 0, 1, 0),
        gang,
        new JobSpec.Rules(Set.of(), false, Map.of(), ""),
        0,
        retryLimit,
        0,
        null,
        List.of(),
        Map.of());
  }

  static JobLifecycle.Job job(JobSpec spec, ShardRecord... shards) {
    JobRecord r = new JobRecord("j1-1", "DE", "op", "r", spec, 1, 0, JobState.RUNNING, "", 0);
    return new JobLifecycle.Job(r, List.of(shards));
  }

  static ShardRecord running(int i, String node, int attempt) {
    return ShardRecord.pending(i, 1)
        .placed(node, "test", 10, 1)
        .running(20, 1)
        .withAttempt(attempt);
  }

  @Test
  void report_ofTheCurrentAttempt_movesTheShard_andStaleAttemptsChangeNothing() {
    ShardRecord placed = ShardRecord.pending(0, 1).placed("DE/a", "fits", 10, 1);
    JobLifecycle.Job j = job(spec(1, false, 1), placed);
    var running = JobLifecycle.report(j, 0, 1, JobLifecycle.Phase.RUNNING, "", 20, 1, BACKOFF);
    assertThat(running.shards().get(0).state()).isEqualTo(ShardState.RUNNING);
    assertThat(JobLifecycle.report(j, 0, 2, JobLifecycle.Phase.SUCCEEDED, "", 20, 1, BACKOFF))
        .isEqualTo(JobLifecycle.Change.NONE);
    var done = JobLifecycle.report(j, 0, 1, JobLifecycle.Phase.SUCCEEDED, "ok", 30, 1, BACKOFF);
    assertThat(done.shards().get(0).state()).isEqualTo(ShardState.SUCCEEDED);
    assertThat(done.job().state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void failures_requeueWithExponentialBackoff_untilTheRetryLimitFailsTheJob() {
    ShardRecord s = ShardRecord.pending(0, 1).placed("DE/a", "fits", 0, 1);
    JobLifecycle.Job j = job(spec(2, false, 2), s, ShardRecord.pending(1, 1));
    var first = JobLifecycle.report(j, 0, 1, JobLifecycle.Phase.FAILED, "oom", 100, 1, BACKOFF);
    ShardRecord r1 = first.shards().get(0);
    assertThat(r1.state()).isEqualTo(ShardState.REQUEUED);
    assertThat(r1.retries()).isEqualTo(1);
    assertThat(r1.notBeforeMs()).isEqualTo(100 + 1000);
    ShardRecord p2 = r1.placed("DE/b", "fits", 2000, 1);
    var second =
        JobLifecycle.report(
            job(spec(2, false, 2), p2, ShardRecord.pending(1, 1)),
            0,
            2,
            JobLifecycle.Phase.FAILED,
            "oom",
            3000,
            1,
            BACKOFF);
    assertThat(second.shards().get(0).notBeforeMs()).isEqualTo(3000 + 2000);
    ShardRecord p3 = second.shards().get(0).placed("DE/c", "fits", 6000, 1);
    var third =
        JobLifecycle.report(
            job(spec(2, false, 2), p3, ShardRecord.pending(1, 1)),
            0,
            3,
            JobLifecycle.Phase.FAILED,
            "oom again",
            7000,
            1,
            BACKOFF);
    assertThat(third.job().state()).isEqualTo(JobState.FAILED);
    assertThat(third.job().reason()).contains("oom again").contains("retry limit 2");
    assertThat(third.shards().get(1).state()).isEqualTo(ShardState.CANCELLED);
  }

  @Test
  void backoff_isCapped() {
    assertThat(BACKOFF.delayMs(1)).isEqualTo(1000);
    assertThat(BACKOFF.delayMs(3)).isEqualTo(4000);
    assertThat(BACKOFF.delayMs(40)).isEqualTo(8000);
  }

  @Test
  void requeueingOneGangMember_takesTheWholeGangBack_withoutCountingItAgainstTheOthers() {
    JobSpec gang = spec(3, true, 3);
    List<ShardRecord> shards = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      shards.add(ShardRecord.pending(i, 1).placed("DE/n" + i, "fits", 0, 1));
    }
    var c =
        JobLifecycle.requeue(
            new JobLifecycle.Job(job(gang).record(), shards), 1, "node lost", true, 50, 1, BACKOFF);
    assertThat(c.shards()).hasSize(3);
    assertThat(c.shards().values()).allMatch(s -> s.state() == ShardState.REQUEUED);
    assertThat(c.shards().get(1).retries()).isEqualTo(1);
    assertThat(c.shards().get(0).retries()).isZero();
    assertThat(c.shards().get(0).notBeforeMs()).isEqualTo(c.shards().get(1).notBeforeMs());
  }

  @Test
  void preemption_requeuesAtOnce_andIsNotARetry() {
    ShardRecord s = ShardRecord.pending(0, 1).placed("DE/a", "fits", 0, 1);
    var c = JobLifecycle.requeue(job(spec(1, false, 0), s), 0, "preempted", false, 70, 1, BACKOFF);
    assertThat(c.shards().get(0).state()).isEqualTo(ShardState.REQUEUED);
    assertThat(c.shards().get(0).retries()).isZero();
    assertThat(c.shards().get(0).notBeforeMs()).isEqualTo(70);
    // Retry limit 0 is not reached by a preemption: the job only goes back to waiting.
    assertThat(c.job().state()).isEqualTo(JobState.PENDING);
  }

  @Test
  void cancel_endsEveryShardThatHasNotEnded_andIsIdempotent() {
    ShardRecord done =
        ShardRecord.pending(0, 1).placed("DE/a", "", 0, 1).finished(ShardState.SUCCEEDED, "", 5, 1);
    ShardRecord run = ShardRecord.pending(1, 1).placed("DE/b", "", 0, 1);
    var c = JobLifecycle.cancel(job(spec(2, false, 0), done, run), "by ops", 9, 1);
    assertThat(c.shards()).containsOnlyKeys(1);
    assertThat(c.job().state()).isEqualTo(JobState.CANCELLED);
    var again =
        JobLifecycle.cancel(
            new JobLifecycle.Job(c.job(), List.of(done, c.shards().get(1))), "again", 10, 1);
    assertThat(again).isEqualTo(JobLifecycle.Change.NONE);
  }
}
