package org.entente.coordinator.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FedAvgTest {
  @Test
  void average_isWeightedByExamples_asComputedByHand() {
    // Shard A saw 1 example, B saw 3: (1*[1,2,-4] + 3*[5,-2,0]) / 4 = [4, -1, -1].
    float[] avg =
        FedAvg.average(
            List.of(
                new FedAvg.Weighted(new float[] {1f, 2f, -4f}, 1),
                new FedAvg.Weighted(new float[] {5f, -2f, 0f}, 3)));
    assertThat(avg).containsExactly(4f, -1f, -1f);
  }

  @Test
  void average_threeShards_exactToTheLastBit() {
    // (2*0.5 + 1*0.25 + 1*(-0.75)) / 4 = 0.125 and (2*3 + 1*6 + 1*9) / 4 = 5.25: exact in binary.
    float[] avg =
        FedAvg.average(
            List.of(
                new FedAvg.Weighted(new float[] {0.5f, 3f}, 2),
                new FedAvg.Weighted(new float[] {0.25f, 6f}, 1),
                new FedAvg.Weighted(new float[] {-0.75f, 9f}, 1)));
    assertThat(avg).containsExactly(0.125f, 5.25f);
  }

  @Test
  void average_equalWeights_isThePlainMean_andOrderDoesNotMatter() {
    var a = new FedAvg.Weighted(new float[] {0.1f, 0.7f}, 5);
    var b = new FedAvg.Weighted(new float[] {0.3f, 0.2f}, 5);
    var c = new FedAvg.Weighted(new float[] {0.9f, 0.4f}, 5);
    float[] abc = FedAvg.average(List.of(a, b, c));
    assertThat(abc).containsExactly(FedAvg.average(List.of(c, a, b)));
    assertThat(abc[0]).isEqualTo((float) ((0.1f + (double) 0.3f + 0.9f) / 3));
  }

  @Test
  void average_oneShard_isItsOwnParameters() {
    float[] v = {1.5f, -2.25f, 1e-7f};
    assertThat(FedAvg.average(List.of(new FedAvg.Weighted(v, 17)))).containsExactly(v);
  }

  @Test
  void average_refusesMismatchedLengthsAndZeroWeights() {
    assertThatThrownBy(
            () ->
                FedAvg.average(
                    List.of(
                        new FedAvg.Weighted(new float[] {1f}, 1),
                        new FedAvg.Weighted(new float[] {1f, 2f}, 1))))
        .hasMessageContaining("differ in length");
    assertThatThrownBy(() -> FedAvg.average(List.of(new FedAvg.Weighted(new float[] {1f}, 0))))
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> FedAvg.average(List.of())).hasMessageContaining("nothing");
  }
}
