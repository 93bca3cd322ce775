package org.entente.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.entente.cluster.HistoryCheck.Acknowledged;
import org.entente.cluster.HistoryCheck.Closure;
import org.entente.cluster.HistoryCheck.QuotaSample;
import org.junit.jupiter.api.Test;

class HistoryCheckTest {
  private static final List<Acknowledged> DONE =
      List.of(new Acknowledged("j1", "SUCCEEDED"), new Acknowledged("j2", "SUCCEEDED"));
  private static final List<Closure> CLOSED =
      List.of(new Closure("j1/0#1", false, 10, 1), new Closure("j2/0#1", true, 0, 2));
  private static final Map<String, String> SAME = Map.of("DE", "ab", "FR", "ab", "JP", "ab");

  @Test
  void aCleanHistoryPasses() {
    HistoryCheck.Verdict v =
        HistoryCheck.check(
            DONE,
            CLOSED,
            List.of(1L, 1L, 2L, 3L),
            List.of(new QuotaSample(1, "DE", 6, 4, -1, 12)),
            SAME);
    assertThat(v.passed()).as(v.problems().toString()).isTrue();
    assertThat(v.acknowledged()).isEqualTo(2);
    assertThat(v.closures()).isEqualTo(2);
  }

  @Test
  void aLostOrUnfinishedJobIsFound() {
    HistoryCheck.Verdict v =
        HistoryCheck.check(
            List.of(new Acknowledged("j1", ""), new Acknowledged("j2", "RUNNING")),
            CLOSED,
            List.of(),
            List.of(),
            SAME);
    assertThat(v.lost()).isEqualTo(1);
    assertThat(v.notSucceeded()).isEqualTo(1);
    assertThat(v.problems()).anyMatch(p -> p.contains("j1 is unknown"));
  }

  @Test
  void anAttemptClosedTwiceIsFound() {
    HistoryCheck.Verdict v =
        HistoryCheck.check(
            DONE,
            List.of(
                new Closure("j1/0#1", false, 10, 1),
                new Closure("j1/0#1", false, 10, 2),
                new Closure("j1/0#1", true, 0, 2)),
            List.of(),
            List.of(),
            SAME);
    assertThat(v.creditedTwice()).isEqualTo(1);
  }

  @Test
  void anOlderEpochAfterANewerOneIsAnOverlap() {
    HistoryCheck.Verdict v =
        HistoryCheck.check(DONE, CLOSED, List.of(1L, 3L, 2L, 3L), List.of(), SAME);
    assertThat(v.epochRegressions()).isEqualTo(1);
  }

  @Test
  void usageBeyondTheBorrowingLimitOrThePoolIsAnOverspend() {
    HistoryCheck.Verdict v =
        HistoryCheck.check(
            DONE,
            CLOSED,
            List.of(),
            List.of(
                new QuotaSample(1, "DE", 7, 4, 2, 12),
                new QuotaSample(2, "FR", 13, 4, -1, 12),
                new QuotaSample(3, "JP", 6, 4, 2, 12)),
            SAME);
    assertThat(v.quotaOverspends()).isEqualTo(2);
  }

  @Test
  void differingRootsAreFound() {
    HistoryCheck.Verdict v =
        HistoryCheck.check(
            DONE, CLOSED, List.of(), List.of(), Map.of("DE", "ab", "FR", "ab", "JP", "cd"));
    assertThat(v.rootMismatches()).isEqualTo(3);
    assertThat(v.passed()).isFalse();
  }
}
