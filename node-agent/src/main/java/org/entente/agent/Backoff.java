package org.entente.agent;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential reconnect backoff with jitter: attempt n waits a random time in [d/2, d], where d =
 * min(max, initial * 2^n). Pure; randomness passed in. Immutable.
 */
public record Backoff(Duration initial, Duration max) {
  public Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, got " + initial + " and " + max);
    }
  }

  /** The wait before attempt {@code attempt} (0-based). */
  public Duration delay(int attempt, RandomGenerator random) {
    long cap = max.toMillis();
    long d = initial.toMillis() << Math.min(attempt, 30);
    if (d <= 0 || d > cap) {
      d = cap;
    }
    return Duration.ofMillis(d / 2 + random.nextLong(d / 2 + 1));
  }
}
