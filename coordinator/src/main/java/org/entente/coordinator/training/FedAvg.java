package org.entente.coordinator.training;

import java.util.List;

/**
 * Federated averaging: the mean of the shards' parameters weighted by the examples each saw in the
 * round (McMahan et al., 2017). Sums in double so that the order of the updates does not change the
 * float result beyond the final rounding. Pure.
 */
public final class FedAvg {
  private FedAvg() {}

  /** One shard's parameters and its weight. */
  public record Weighted(float[] values, long examples) {}

  /**
   * The weighted mean, element by element.
   *
   * @throws IllegalArgumentException with no updates, lengths that differ, or a weight below 1
   */
  public static float[] average(List<Weighted> updates) {
    if (updates.isEmpty()) {
      throw new IllegalArgumentException("nothing to average");
    }
    int n = updates.get(0).values().length;
    double[] sum = new double[n];
    double total = 0;
    for (Weighted u : updates) {
      if (u.values().length != n) {
        throw new IllegalArgumentException(
            "updates differ in length: " + u.values().length + " vs " + n);
      }
      if (u.examples() < 1) {
        throw new IllegalArgumentException("a weight must be at least 1, got " + u.examples());
      }
      double w = u.examples();
      float[] v = u.values();
      for (int i = 0; i < n; i++) {
        sum[i] += w * v[i];
      }
      total += w;
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (sum[i] / total);
    }
    return out;
  }
}
