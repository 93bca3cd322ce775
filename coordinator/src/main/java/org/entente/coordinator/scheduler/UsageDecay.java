package org.entente.coordinator.scheduler;

/**
 * Usage history with exponential decay, for fair share. Pure arithmetic; stateless and thread-safe.
 *
 * <p>The history {@code H} of one resource is usage integrated over time (resource-seconds) where
 * usage {@code a} seconds ago counts with weight {@code 2^(-a / halfLife)}. Advancing by {@code e}
 * seconds while usage {@code u} held steady:
 *
 * <pre>
 *   H' = H * 2^(-e/T) + u * tau * (1 - 2^(-e/T)),   tau = T / ln 2
 * </pre>
 *
 * The second term is the exact decayed integral of {@code u} over the step, rather than {@code u *
 * e}, so the result does not depend on how often it is advanced: steady usage {@code u} converges
 * to {@code u * tau} whatever the step size. For {@code e} much smaller than {@code T} it is {@code
 * u * e}. Example: {@code T} = 1 h, 4 GPUs held for a long time: {@code H} tends to 4 * 5193.8 s =
 * 20775 GPU-seconds; then idle for 1 h, {@code H} halves to 10388.
 */
public final class UsageDecay {
  private static final double LN2 = Math.log(2);

  private UsageDecay() {}

  /**
   * The history after {@code elapsedMs} more milliseconds of {@code currentUsage}.
   *
   * @param previous {@code {gpus, cpus, memoryBytes}} resource-seconds; not modified
   * @return a new array, same layout
   */
  public static double[] decay(
      double[] previous, long elapsedMs, long halfLifeMs, ResourceVector currentUsage) {
    if (previous.length != ResourceVector.DIMENSIONS) {
      throw new IllegalArgumentException("history has 3 components (gpus, cpus, memory)");
    }
    if (elapsedMs < 0) {
      throw new IllegalArgumentException("elapsedMs must not be negative, got " + elapsedMs);
    }
    if (halfLifeMs <= 0) {
      throw new IllegalArgumentException("halfLifeMs must be positive, got " + halfLifeMs);
    }
    double keep = Math.pow(2, -(double) elapsedMs / halfLifeMs);
    double gain = horizonSeconds(halfLifeMs) * (1 - keep);
    double[] next = new double[ResourceVector.DIMENSIONS];
    for (int r = 0; r < next.length; r++) {
      next[r] = previous[r] * keep + currentUsage.component(r) * gain;
    }
    return next;
  }

  /**
   * {@code tau = T / ln 2} in seconds: what steady usage of 1 amounts to in the history, and so the
   * factor that turns a history back into an average usage.
   */
  public static double horizonSeconds(long halfLifeMs) {
    if (halfLifeMs <= 0) {
      throw new IllegalArgumentException("halfLifeMs must be positive, got " + halfLifeMs);
    }
    return halfLifeMs / 1000.0 / LN2;
  }
}
