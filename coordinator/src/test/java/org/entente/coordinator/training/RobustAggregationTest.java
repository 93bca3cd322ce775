package org.entente.coordinator.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.model.Aggregation;
import org.junit.jupiter.api.Test;

/**
 * The robust rules against a poisoning node, in a real (if small) federated training run: logistic
 * regression on three non-IID partitions, each shard doing gradient descent from the round's model
 * and sending its parameters, one shard poisoning (labels flipped, its update scaled by 100).
 * Held-out accuracy is what is compared.
 */
class RobustAggregationTest {
  private static final int FEATURES = 8;
  private static final int ROUNDS = 12;
  private static final int LOCAL_STEPS = 15;
  private static final double LEARNING_RATE = 0.5;

  private record Data(double[][] x, int[] y) {}

  private enum Attack {
    NONE,
    FLIP,
    SCALE_100,
    FLIP_AND_SCALE_100
  }

  private static final double[] TRUTH = new SplittableRandom(1).doubles(FEATURES, -1, 1).toArray();

  /** Points around a nation-specific mean, labelled by the hidden true model (non-IID). */
  private static Data data(long seed, int n, double shift) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] x = new double[n][FEATURES];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      double dot = 0;
      for (int j = 0; j < FEATURES; j++) {
        x[i][j] = gaussian(r) + (j == 0 ? shift : 0);
        dot += TRUTH[j] * x[i][j];
      }
      y[i] = dot + 0.3 * gaussian(r) > 0 ? 1 : 0;
    }
    return new Data(x, y);
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /** Gradient descent on the logistic loss from {@code start}; labels flipped if asked. */
  private static float[] train(float[] start, Data d, boolean flip) {
    double[] w = new double[start.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = start[i];
    }
    for (int step = 0; step < LOCAL_STEPS; step++) {
      double[] grad = new double[w.length];
      for (int i = 0; i < d.y().length; i++) {
        double z = w[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
          z += w[j] * d.x()[i][j];
        }
        double p = 1 / (1 + Math.exp(-z));
        int label = flip ? 1 - d.y()[i] : d.y()[i];
        for (int j = 0; j < FEATURES; j++) {
          grad[j] += (p - label) * d.x()[i][j];
        }
        grad[FEATURES] += p - label;
      }
      for (int j = 0; j < w.length; j++) {
        w[j] -= LEARNING_RATE * grad[j] / d.y().length;
      }
    }
    float[] out = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      out[i] = (float) w[i];
    }
    return out;
  }

  private static double accuracy(float[] w, Data d) {
    int right = 0;
    for (int i = 0; i < d.y().length; i++) {
      double z = w[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        z += w[j] * d.x()[i][j];
      }
      right += (z > 0 ? 1 : 0) == d.y()[i] ? 1 : 0;
    }
    return (double) right / d.y().length;
  }

  private record Run(double accuracy, int refusedRounds) {}

  /** Federated training with shard 2 attacking; the last shard's refusals counted per round. */
  private static Run federate(int shards, Aggregation rule, Attack attack) {
    List<Data> parts = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      parts.add(data(100 + s, 300, (s - 1) * 0.8));
    }
    Data heldOut = data(999, 3000, 0);
    float[] global = new float[FEATURES + 1];
    int refused = 0;
    for (int round = 0; round < ROUNDS; round++) {
      List<FedAvg.Weighted> updates = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        boolean evil = s == 2 && attack != Attack.NONE;
        boolean flip = evil && (attack == Attack.FLIP || attack == Attack.FLIP_AND_SCALE_100);
        float[] local = train(global, parts.get(s), flip);
        if (evil && (attack == Attack.SCALE_100 || attack == Attack.FLIP_AND_SCALE_100)) {
          for (int i = 0; i < local.length; i++) {
            local[i] = global[i] + 100 * (local[i] - global[i]); // its update, scaled by 100
          }
        }
        updates.add(new FedAvg.Weighted(local, parts.get(s).y().length));
      }
      RobustAggregation.Result r = RobustAggregation.aggregate(updates, rule);
      if (r.refused().stream().anyMatch(x -> x.index() == 2)) {
        refused++;
      }
      global = r.average();
    }
    return new Run(accuracy(global, heldOut), refused);
  }

  private static final Aggregation MEDIAN = new Aggregation(Aggregation.Rule.MEDIAN, 3, 0.2);
  private static final Aggregation TRIMMED = new Aggregation(Aggregation.Rule.TRIMMED_MEAN, 0, 0.2);

  @Test
  void poisoningNode_movesPlainFedAvg_butNotTheMedianByMoreThanTwoPoints() {
    double clean = federate(3, Aggregation.PLAIN, Attack.NONE).accuracy();
    assertThat(clean).isGreaterThan(0.85);
    double poisoned = federate(3, Aggregation.PLAIN, Attack.FLIP_AND_SCALE_100).accuracy();
    assertThat(clean - poisoned).isGreaterThan(0.02);

    double medianClean = federate(3, MEDIAN, Attack.NONE).accuracy();
    assertThat(medianClean).isGreaterThan(0.85);
    for (Attack a : List.of(Attack.FLIP, Attack.SCALE_100, Attack.FLIP_AND_SCALE_100)) {
      Run r = federate(3, MEDIAN, a);
      assertThat(Math.abs(r.accuracy() - medianClean)).as(a.name()).isLessThanOrEqualTo(0.02);
    }
    // The scaled update is refused, every round, by the clip.
    assertThat(federate(3, MEDIAN, Attack.FLIP_AND_SCALE_100).refusedRounds()).isEqualTo(ROUNDS);
  }

  @Test
  void trimmedMean_ofFiveShards_holdsAgainstOne() {
    double clean = federate(5, TRIMMED, Attack.NONE).accuracy();
    double poisoned = federate(5, TRIMMED, Attack.FLIP_AND_SCALE_100).accuracy();
    assertThat(clean).isGreaterThan(0.85);
    assertThat(Math.abs(clean - poisoned)).isLessThanOrEqualTo(0.02);
  }

  @Test
  void clip_refusesOnlyTheOutlier_andPlainFedAvgWithoutClipRefusesNothing() {
    List<FedAvg.Weighted> u =
        List.of(
            new FedAvg.Weighted(new float[] {1, 1}, 10),
            new FedAvg.Weighted(new float[] {1.1f, 0.9f}, 10),
            new FedAvg.Weighted(new float[] {0.9f, 1.1f}, 10),
            new FedAvg.Weighted(new float[] {100, -100}, 10));
    RobustAggregation.Result clipped =
        RobustAggregation.aggregate(u, new Aggregation(Aggregation.Rule.FEDAVG, 3, 0));
    assertThat(clipped.refused()).extracting(RobustAggregation.Refused::index).containsExactly(3);
    assertThat(clipped.refused().get(0).reason()).contains("median distance");
    assertThat(clipped.average()[0]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
    RobustAggregation.Result plain = RobustAggregation.aggregate(u, Aggregation.PLAIN);
    assertThat(plain.refused()).isEmpty();
    assertThat(plain.average()[0]).isCloseTo(25.75f, org.assertj.core.data.Offset.offset(1e-4f));
  }

  @Test
  void parameters_nameTheFieldWhenWrong() {
    assertThat(Aggregation.of(Map.of())).isEqualTo(Aggregation.PLAIN);
    assertThat(Aggregation.of(Map.of("aggregation", "median")).clipFactor()).isEqualTo(3);
    assertThatThrownBy(() -> Aggregation.of(Map.of("aggregation", "mean")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("fedavg, median or trimmed-mean");
    assertThatThrownBy(() -> Aggregation.of(Map.of("clipFactor", "0.5")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> Aggregation.of(Map.of("trim", "0.6")))
        .isInstanceOf(InvalidRequestException.class);
  }
}
