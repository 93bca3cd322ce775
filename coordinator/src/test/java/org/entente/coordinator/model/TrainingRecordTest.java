package org.entente.coordinator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.entente.coordinator.model.TrainingRecord.CheckpointRef;
import org.entente.coordinator.model.TrainingRecord.Contribution;
import org.entente.coordinator.model.TrainingRecord.RoundRecord;
import org.junit.jupiter.api.Test;

class TrainingRecordTest {
  private static RoundRecord round(int r, int shards) {
    List<Contribution> who = new ArrayList<>();
    IntStream.range(0, shards).forEach(s -> who.add(new Contribution(s, 1, 10, 0.5)));
    return new RoundRecord(
        r, who, List.of(), "all", 0.5, 10L * shards, new CheckpointRef(r, "a".repeat(64), 9), 0, 1);
  }

  @Test
  void with_newRound_becomesTheCheckpoint_olderOrSameRoundsChangeNothing() {
    TrainingRecord t = new TrainingRecord(5, null, List.of()).with(round(1, 2)).with(round(2, 2));
    assertThat(t.lastRound()).isEqualTo(2);
    assertThat(t.with(round(2, 2))).isSameAs(t);
    assertThat(t.with(round(1, 2))).isSameAs(t);
    assertThat(t.recent()).extracting(RoundRecord::round).containsExactly(1, 2);
  }

  @Test
  void with_manyRounds_keepsTheLast200() {
    TrainingRecord t = new TrainingRecord(500, null, List.of());
    for (int r = 1; r <= 250; r++) {
      t = t.with(round(r, 1));
    }
    assertThat(t.recent()).hasSize(TrainingRecord.KEEP_ROUNDS);
    assertThat(t.recent().get(0).round()).isEqualTo(51);
    assertThat(t.lastRound()).isEqualTo(250);
  }

  @Test
  void with_manyShards_keepsFewerRounds_andAlwaysTheNewest() {
    TrainingRecord t = new TrainingRecord(50, null, List.of());
    for (int r = 1; r <= 10; r++) {
      t = t.with(round(r, 1024));
    }
    int kept = t.recent().stream().mapToInt(x -> x.contributions().size()).sum();
    assertThat(kept).isLessThanOrEqualTo(TrainingRecord.KEEP_CONTRIBUTIONS);
    assertThat(t.recent().get(t.recent().size() - 1).round()).isEqualTo(10);
    TrainingRecord huge = new TrainingRecord(2, null, List.of()).with(round(1, 5000));
    assertThat(huge.recent()).hasSize(1);
  }
}
