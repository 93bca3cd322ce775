package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class UsageDecayTest {
  private static final long HOUR = 3_600_000;

  @Test
  void decay_oneHalfLifeNoUsage_halves() {
    double[] next = UsageDecay.decay(new double[] {100, 40, 8}, HOUR, HOUR, ResourceVector.ZERO);
    assertThat(next[0]).isCloseTo(50, within(1e-9));
    assertThat(next[1]).isCloseTo(20, within(1e-9));
    assertThat(next[2]).isCloseTo(4, within(1e-9));
  }

  @Test
  void decay_twoHalfLives_quarter() {
    double[] next = UsageDecay.decay(new double[] {100, 0, 0}, 2 * HOUR, HOUR, ResourceVector.ZERO);
    assertThat(next[0]).isCloseTo(25, within(1e-9));
  }

  @Test
  void decay_noTimePassed_unchanged() {
    double[] prev = {7, 3, 1};
    assertThat(UsageDecay.decay(prev, 0, HOUR, new ResourceVector(8, 8, 8))).containsExactly(prev);
  }

  @Test
  void decay_shortStep_integratesUsage() {
    // 1 s of 4 GPUs is about 4 GPU-seconds when the half-life is an hour.
    double[] next = UsageDecay.decay(new double[3], 1000, HOUR, new ResourceVector(4, 0, 0));
    assertThat(next[0]).isCloseTo(4, within(1e-3));
  }

  @Test
  void decay_steadyUsage_convergesToUsageTimesTauWhateverTheStep() {
    ResourceVector u = new ResourceVector(4, 0, 0);
    double[] fine = new double[3];
    double[] coarse = new double[3];
    for (int i = 0; i < 20 * 60; i++) {
      fine = UsageDecay.decay(fine, 60_000, HOUR, u);
    }
    for (int i = 0; i < 20; i++) {
      coarse = UsageDecay.decay(coarse, HOUR, HOUR, u);
    }
    double expected = 4 * UsageDecay.horizonSeconds(HOUR);
    assertThat(fine[0]).isCloseTo(expected, within(expected * 1e-5));
    assertThat(coarse[0]).isCloseTo(fine[0], within(expected * 1e-9));
  }

  @Test
  void decay_badArguments_rejected() {
    assertThatThrownBy(() -> UsageDecay.decay(new double[3], -1, HOUR, ResourceVector.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UsageDecay.decay(new double[3], 1, 0, ResourceVector.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UsageDecay.decay(new double[2], 1, HOUR, ResourceVector.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
