package org.entente.coordinator.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.training.RoundBook.Accepted;
import org.entente.coordinator.training.RoundBook.Closed;
import org.entente.coordinator.training.RoundBook.Failed;
import org.entente.coordinator.training.RoundBook.Late;
import org.entente.coordinator.training.RoundBook.Refusal;
import org.entente.coordinator.training.RoundBook.Refused;
import org.entente.proto.v1.ModelHeader;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;
import org.junit.jupiter.api.Test;

class RoundBookTest {
  private static final ModelHeader MLP =
      ModelHeader.newBuilder()
          .setArchitecture("mlp")
          .putArchitectureParameters("hidden", "4")
          .setLayout(
              TensorLayout.newBuilder()
                  .addTensors(TensorInfo.newBuilder().setName("w").addShape(2)))
          .build();

  private static RoundBook.Update update(int shard, int round, long examples, float... v) {
    return new RoundBook.Update(shard, 1, round, examples, 0.5 + shard, MLP, v);
  }

  private static RoundBook book(int minShards) {
    return new RoundBook(3, new TrainingPlan(5, minShards, 1_000), 0, null);
  }

  @Test
  void round_closesWhenEveryShardSent_withTheWeightedAverage() {
    RoundBook b = book(3);
    assertThat(b.offer(update(0, 1, 1, 1f, 1f), 100)).isEqualTo(new Accepted(1));
    assertThat(b.offer(update(1, 1, 1, 3f, 1f), 150)).isEqualTo(new Accepted(1));
    assertThat(b.settle(160)).isEmpty();
    b.offer(update(2, 1, 2, 6f, 4f), 200);
    Closed c = (Closed) b.settle(200).orElseThrow();
    assertThat(c.round()).isEqualTo(1);
    assertThat(c.average()).containsExactly(4f, 2.5f);
    assertThat(c.closedBy()).isEqualTo("all");
    assertThat(c.missing()).isEmpty();
    assertThat(c.examples()).isEqualTo(4);
    assertThat(c.loss()).isEqualTo((0.5 + 1.5 + 2 * 2.5) / 4);
    assertThat(c.model().getRound()).isEqualTo(1);
    assertThat(c.openedAtMs()).isEqualTo(100);
    assertThat(b.openRound()).isEqualTo(2);
  }

  @Test
  void straggler_leftOutAfterTimeoutWithQuorum_thenCatchesUpAsLate() {
    RoundBook b = book(2);
    b.offer(update(0, 1, 1, 2f, 2f), 0);
    b.offer(update(1, 1, 1, 4f, 4f), 10);
    assertThat(b.settle(999)).isEmpty();
    Closed c = (Closed) b.settle(1_000).orElseThrow();
    assertThat(c.closedBy()).isEqualTo("timeout");
    assertThat(c.missing()).containsExactly(2);
    assertThat(c.average()).containsExactly(3f, 3f);
    // The straggler's update for round 1 arrives after the close: it gets round 1's average.
    var late = b.offer(update(2, 1, 1, 100f, 100f), 1_100);
    assertThat(late).isInstanceOf(Late.class);
    assertThat(((Late) late).newest().round()).isEqualTo(1);
    assertThat(((Late) late).newest().average()).containsExactly(3f, 3f);
  }

  @Test
  void withoutQuorum_waitsPastTheTimeout_thenFails() {
    RoundBook b = book(2);
    b.offer(update(0, 1, 1, 1f, 1f), 0);
    assertThat(b.settle(1_000)).isEmpty();
    assertThat(b.nextCheckAt()).contains(4_000L);
    Failed f = (Failed) b.settle(4_000).orElseThrow();
    assertThat(f.why()).contains("1 of 3 shards").contains("minShards");
    assertThat(b.openRound()).isEqualTo(1);
    assertThat(b.settle(10_000)).isEmpty();
  }

  @Test
  void refuses_futureRounds_otherModels_andStaleAttempts() {
    RoundBook b = book(3);
    assertThat(b.offer(update(0, 2, 1, 1f, 1f), 0)).isInstanceOf(Refused.class);
    b.offer(update(0, 1, 1, 1f, 1f), 0);
    ModelHeader other = MLP.toBuilder().putArchitectureParameters("hidden", "8").build();
    var r = b.offer(new RoundBook.Update(1, 1, 1, 1, 0, other, new float[] {1f, 1f}), 0);
    assertThat(((Refused) r).why()).contains("differs from the job's");
    b.offer(new RoundBook.Update(2, 3, 1, 1, 0, MLP, new float[] {1f, 1f}), 0);
    var stale = b.offer(new RoundBook.Update(2, 2, 1, 1, 0, MLP, new float[] {9f, 9f}), 0);
    assertThat(((Refused) stale).why()).contains("newer attempt");
  }

  @Test
  void resentUpdate_replacesTheFirst_andCountsOnce() {
    RoundBook b = new RoundBook(2, new TrainingPlan(5, 2, 1_000), 0, null);
    b.offer(update(0, 1, 1, 10f, 10f), 0);
    b.offer(update(0, 1, 1, 2f, 2f), 5);
    assertThat(b.settle(5)).isEmpty();
    b.offer(update(1, 1, 1, 4f, 4f), 6);
    Closed c = (Closed) b.settle(6).orElseThrow();
    assertThat(c.average()).containsExactly(3f, 3f);
    assertThat(c.contributions()).hasSize(2);
  }

  @Test
  void resumedBook_startsAfterTheRecordedRound_andStopsAfterTheLast() {
    RoundBook b = new RoundBook(1, new TrainingPlan(4, 1, 1_000), 3, null);
    assertThat(b.openRound()).isEqualTo(4);
    assertThat(b.offer(update(0, 3, 1, 1f, 1f), 0)).isInstanceOf(Refused.class);
    b.offer(update(0, 4, 1, 1f, 1f), 0);
    assertThat(b.settle(0)).containsInstanceOf(Closed.class);
    assertThat(b.finished()).isTrue();
    assertThat(((Refused) b.offer(update(0, 5, 1, 1f, 1f), 0)).why()).contains("all its 4 rounds");
  }

  @Test
  void bookOfANewLeader_fromAStoredCheckpoint_acceptsTheNextRound_andAnswersLateOnes() {
    // The stored checkpoint's header carries its round; the shards' updates carry round 0.
    Closed stored =
        new Closed(
            2,
            MLP.toBuilder().setRound(2).build(),
            new float[] {7f, 7f},
            java.util.List.of(),
            java.util.List.of(),
            "",
            0,
            0,
            0,
            0,
            java.util.List.of());
    RoundBook b = new RoundBook(3, new TrainingPlan(5, 3, 1_000), 2, stored);
    assertThat(b.offer(update(0, 3, 1, 1f, 1f), 0)).isEqualTo(new Accepted(3));
    var late = b.offer(update(1, 2, 1, 5f, 5f), 0);
    assertThat(((Late) late).newest().average()).containsExactly(7f, 7f);
  }

  @Test
  void refuses_nonFiniteValuesOrLoss_andAbsurdWeights() {
    RoundBook b = book(3);
    var nan = b.offer(update(0, 1, 1, 1f, Float.NaN), 0);
    assertThat(((Refused) nan).kind()).isEqualTo(Refusal.INVALID);
    var inf =
        b.offer(new RoundBook.Update(0, 1, 1, 1, Double.POSITIVE_INFINITY, MLP, new float[2]), 0);
    assertThat(((Refused) inf).why()).contains("loss");
    var heavy = b.offer(update(0, 1, Long.MAX_VALUE, 1f, 1f), 0);
    assertThat(((Refused) heavy).why()).contains("weighs");
    assertThat(b.settle(10_000)).isEmpty();
  }

  @Test
  void aheadAndNotAtHand_areRetries_newerAttemptIsAConflict() {
    RoundBook b = book(3);
    assertThat(((Refused) b.offer(update(0, 2, 1, 1f, 1f), 0)).kind()).isEqualTo(Refusal.RETRY);
    RoundBook resumed = new RoundBook(3, new TrainingPlan(5, 3, 1_000), 2, null);
    assertThat(((Refused) resumed.offer(update(0, 1, 1, 1f, 1f), 0)).kind())
        .isEqualTo(Refusal.RETRY);
    b.offer(new RoundBook.Update(2, 3, 1, 1, 0, MLP, new float[] {1f, 1f}), 0);
    var stale = b.offer(new RoundBook.Update(2, 2, 1, 1, 0, MLP, new float[] {1f, 1f}), 0);
    assertThat(((Refused) stale).kind()).isEqualTo(Refusal.CONFLICT);
  }
}
