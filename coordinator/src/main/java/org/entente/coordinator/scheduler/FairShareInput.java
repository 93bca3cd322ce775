package org.entente.coordinator.scheduler;

/**
 * Fair-share input of one nation: its usage history in resource-seconds, decayed with a half-life
 * as {@link UsageDecay#decay} computes it, and its weight (greater than 0, typically from the
 * capacity it contributes). Immutable.
 */
public record FairShareInput(
    double gpuSeconds, double cpuSeconds, double memoryByteSeconds, double weight) {
  /** No history, weight 1. */
  public static final FairShareInput NONE = new FairShareInput(0, 0, 0, 1);

  public FairShareInput {
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("fair-share weight must be positive, got " + weight);
    }
    if (!(gpuSeconds >= 0 && cpuSeconds >= 0 && memoryByteSeconds >= 0)
        || Double.isInfinite(gpuSeconds + cpuSeconds + memoryByteSeconds)) {
      throw new IllegalArgumentException("decayed usage must be finite and not negative");
    }
  }

  /** From {@code {gpus, cpus, memoryBytes}} resource-seconds, as {@link UsageDecay} returns. */
  public FairShareInput(double[] decayedUsage, double weight) {
    this(checked(decayedUsage)[0], decayedUsage[1], decayedUsage[2], weight);
  }

  private static double[] checked(double[] decayedUsage) {
    if (decayedUsage.length != ResourceVector.DIMENSIONS) {
      throw new IllegalArgumentException("decayed usage has 3 components (gpus, cpus, memory)");
    }
    return decayedUsage;
  }

  /** {@code {gpus, cpus, memoryBytes}} resource-seconds; a fresh array. */
  public double[] decayedUsage() {
    return new double[] {gpuSeconds, cpuSeconds, memoryByteSeconds};
  }
}
