package org.entente.coordinator.scheduler;

import java.util.Map;

/**
 * Weighted dominant-resource share of each nation, counting both its decayed history and what it
 * holds now (including placements made earlier in the same pass, so each placement raises it):
 *
 * <pre>
 *   share(N) = max over r of ( history(N, r) / tau + usage(N, r) ) / capacity(r)  /  weight(N)
 * </pre>
 *
 * where {@code history} is in resource-seconds from {@link UsageDecay}, {@code tau = halfLife / ln
 * 2} turns it back into an average amount (steady usage {@code u} has history {@code u * tau}), and
 * {@code capacity} is the pool's total over every node of the snapshot. History and the present
 * count equally: a nation that held {@code u} for long and still does has share {@code 2u / C / w}.
 * Resources the pool has none of are skipped. Not thread-safe; owned by one {@link SchedulingPass}.
 */
final class FairShare {
  private static final int R = ResourceVector.DIMENSIONS;

  private final CohortQuota quota;
  private final double[][] average;
  private final double[] weight;
  private final double[] capacity = new double[R];

  FairShare(
      CohortQuota quota,
      Map<String, FairShareInput> inputs,
      ResourceVector poolCapacity,
      double tauSeconds) {
    this.quota = quota;
    int n = quota.size();
    average = new double[n][R];
    weight = new double[n];
    for (int i = 0; i < n; i++) {
      FairShareInput in = inputs.getOrDefault(quota.name(i), FairShareInput.NONE);
      double[] h = in.decayedUsage();
      for (int r = 0; r < R; r++) {
        average[i][r] = h[r] / tauSeconds;
      }
      weight[i] = in.weight();
    }
    for (int r = 0; r < R; r++) {
      capacity[r] = poolCapacity.component(r);
    }
  }

  double share(int nation) {
    double dominant = 0;
    for (int r = 0; r < R; r++) {
      if (capacity[r] > 0) {
        double s = (average[nation][r] + quota.usage(nation, r)) / capacity[r];
        dominant = Math.max(dominant, s);
      }
    }
    return dominant / weight[nation];
  }
}
