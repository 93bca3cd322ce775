package org.entente.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

  @Test
  void delay_growingAttempts_doublesWithinJitterUntilCapped() {
    SplittableRandom random = new SplittableRandom(7);
    for (int attempt = 0; attempt < 40; attempt++) {
      long ceiling = Math.min(2000, 100L << Math.min(attempt, 30));
      long d = backoff.delay(attempt, random).toMillis();
      assertThat(d).as("attempt %d", attempt).isBetween(ceiling / 2, ceiling);
    }
  }

  @Test
  void delay_sameSeed_sameSequence() {
    SplittableRandom a = new SplittableRandom(42);
    SplittableRandom b = new SplittableRandom(42);
    for (int i = 0; i < 10; i++) {
      assertThat(backoff.delay(i, a)).isEqualTo(backoff.delay(i, b));
    }
  }

  @Test
  void constructor_maxBelowInitial_refused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initial <= max");
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
