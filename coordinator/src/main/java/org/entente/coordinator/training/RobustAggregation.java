package org.entente.coordinator.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.entente.coordinator.model.Aggregation;

/**
 * Bounds what one shard's update can do to a round (Yin et al. 2018, coordinate-wise median and
 * trimmed mean): updates far from the round's coordinate-wise median are refused when a clip factor
 * is set, and the rest are combined by the job's rule. With fewer than three updates there is no
 * majority to compare against, so nothing is refused. Pure.
 */
public final class RobustAggregation {
  private RobustAggregation() {}

  /** An update left out of the round, by its position in the input, with why. */
  public record Refused(int index, String reason) {}

  /** The round's parameters and the updates left out. */
  public record Result(float[] average, List<Refused> refused) {}

  /**
   * Combines {@code updates} (all of one length, weights at least 1) under {@code rule}.
   *
   * @throws IllegalArgumentException as {@link FedAvg#average} does
   */
  public static Result aggregate(List<FedAvg.Weighted> updates, Aggregation rule) {
    if (updates.isEmpty()) {
      throw new IllegalArgumentException("nothing to average");
    }
    int n = updates.get(0).values().length;
    for (FedAvg.Weighted u : updates) {
      if (u.values().length != n) {
        throw new IllegalArgumentException(
            "updates differ in length: " + u.values().length + " vs " + n);
      }
    }
    List<Refused> refused = new ArrayList<>();
    List<FedAvg.Weighted> kept = new ArrayList<>(updates);
    if (rule.clipFactor() > 0 && updates.size() >= 3) {
      float[] center = median(updates);
      double[] distance = new double[updates.size()];
      for (int i = 0; i < updates.size(); i++) {
        distance[i] = distance(updates.get(i).values(), center);
      }
      double[] sorted = distance.clone();
      Arrays.sort(sorted);
      double typical = sorted[(sorted.length - 1) / 2];
      double limit = rule.clipFactor() * typical;
      kept.clear();
      for (int i = 0; i < updates.size(); i++) {
        if (distance[i] > limit) {
          refused.add(
              new Refused(
                  i,
                  String.format(
                      "distance %.4g from the round's median is %.1fx the median distance %.4g"
                          + " (clipFactor %.1f)",
                      distance[i],
                      typical > 0 ? distance[i] / typical : Double.POSITIVE_INFINITY,
                      typical,
                      rule.clipFactor())));
        } else {
          kept.add(updates.get(i));
        }
      }
    }
    float[] out =
        switch (rule.rule()) {
          case FEDAVG -> FedAvg.average(kept);
          case MEDIAN -> median(kept);
          case TRIMMED_MEAN -> trimmedMean(kept, rule.trim());
        };
    return new Result(out, List.copyOf(refused));
  }

  /** The coordinate-wise median (the mean of the middle two for an even count). */
  static float[] median(List<FedAvg.Weighted> updates) {
    int n = updates.get(0).values().length;
    int k = updates.size();
    float[] out = new float[n];
    double[] column = new double[k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        column[j] = updates.get(j).values()[i];
      }
      Arrays.sort(column);
      out[i] = (float) (k % 2 == 1 ? column[k / 2] : (column[k / 2 - 1] + column[k / 2]) / 2);
    }
    return out;
  }

  /** Per coordinate, the mean after dropping the {@code trim} fraction at each end. */
  static float[] trimmedMean(List<FedAvg.Weighted> updates, double trim) {
    int n = updates.get(0).values().length;
    int k = updates.size();
    int drop = Math.min((int) Math.floor(trim * k), (k - 1) / 2);
    float[] out = new float[n];
    double[] column = new double[k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        column[j] = updates.get(j).values()[i];
      }
      Arrays.sort(column);
      double sum = 0;
      for (int j = drop; j < k - drop; j++) {
        sum += column[j];
      }
      out[i] = (float) (sum / (k - 2 * drop));
    }
    return out;
  }

  private static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }
}
