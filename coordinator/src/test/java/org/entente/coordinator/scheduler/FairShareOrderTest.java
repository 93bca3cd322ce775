package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Nations are served lowest weighted dominant share first, counting decayed history. */
class FairShareOrderTest {
  private static final long HOUR = 3_600_000;

  /** One GPU, one job of each nation: whoever is served first gets it. */
  private static String winner(FairShareInput de, FairShareInput fr) {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 1)
            .fairShare("DE", de)
            .fairShare("FR", fr)
            .job("de", "DE", 0, 1, 1)
            .job("fr", "FR", 0, 1, 1)
            .schedule();
    assertThat(d.placements()).hasSize(1);
    return d.placements().get(0).shard().jobId();
  }

  private static FairShareInput gpuSeconds(double s, double weight) {
    return new FairShareInput(s, 0, 0, weight);
  }

  @Test
  void schedule_lowerHistory_servedFirst() {
    assertThat(winner(gpuSeconds(0, 1), gpuSeconds(3600, 1))).isEqualTo("de");
    assertThat(winner(gpuSeconds(3600, 1), gpuSeconds(0, 1))).isEqualTo("fr");
  }

  @Test
  void schedule_higherWeight_lowersShare() {
    assertThat(winner(gpuSeconds(3600, 1), gpuSeconds(3600, 3))).isEqualTo("fr");
    assertThat(winner(gpuSeconds(3600, 3), gpuSeconds(3600, 1))).isEqualTo("de");
  }

  @Test
  void schedule_olderUsageDecayed_countsLess() {
    ResourceVector eight = new ResourceVector(8, 0, 0);
    double[] busyHour = UsageDecay.decay(new double[3], HOUR, HOUR, eight);
    double[] de = UsageDecay.decay(busyHour, HOUR, HOUR, ResourceVector.ZERO);
    double[] fr = UsageDecay.decay(busyHour, 10 * HOUR, HOUR, ResourceVector.ZERO);
    assertThat(winner(new FairShareInput(de, 1), new FairShareInput(fr, 1))).isEqualTo("fr");
  }

  @Test
  void schedule_placementsRaiseShare_nationsAlternate() {
    SnapshotFixture f = new SnapshotFixture().node("DE", "a", 4);
    for (int i = 0; i < 4; i++) {
      f.job("de" + i, "DE", 0, 1, 1).job("fr" + i, "FR", 0, 1, 1);
    }
    Decisions d = f.schedule();
    Map<String, Long> perNation =
        d.placements().stream()
            .collect(
                Collectors.groupingBy(
                    p -> p.shard().jobId().substring(0, 2), Collectors.counting()));
    assertThat(perNation).containsOnly(Map.entry("de", 2L), Map.entry("fr", 2L));
  }

  @Test
  void schedule_currentUsage_countsTowardShare() {
    // DE already runs 2 of 4 GPUs; FR none: FR gets both free GPUs before DE gets any.
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 4)
            .running("held", "DE", 0, false, 2, "DE/a")
            .job("de", "DE", 0, 1, 1)
            .job("fr", "FR", 0, 2, 1)
            .schedule();
    assertThat(d.placements()).extracting(p -> p.shard().jobId()).containsExactly("fr", "fr");
  }
}
