package org.entente.coordinator.model;

import java.util.Map;
import org.entente.coordinator.errors.InvalidRequestException;

/**
 * How a training job's FedAvg rounds combine the shards' updates, from its parameters: {@code
 * aggregation} is {@code fedavg} (the examples-weighted mean, the default), {@code median}
 * (coordinate-wise median) or {@code trimmed-mean} (per coordinate, the mean after dropping the
 * {@code trim} fraction of highest and lowest values); {@code clipFactor} refuses an update whose
 * distance from the round's coordinate-wise median is more than that many times the median distance
 * (0 = off; 3 by default for the robust rules). Immutable.
 */
public record Aggregation(Rule rule, double clipFactor, double trim) {
  /** The combining rule. */
  public enum Rule {
    FEDAVG,
    MEDIAN,
    TRIMMED_MEAN
  }

  public static final Aggregation PLAIN = new Aggregation(Rule.FEDAVG, 0, 0.2);

  /**
   * The job's rule.
   *
   * @throws InvalidRequestException naming {@code parameters.<name>}
   */
  public static Aggregation of(Map<String, String> p) {
    String name = p.getOrDefault("aggregation", "fedavg");
    Rule rule =
        switch (name) {
          case "fedavg" -> Rule.FEDAVG;
          case "median" -> Rule.MEDIAN;
          case "trimmed-mean" -> Rule.TRIMMED_MEAN;
          default ->
              throw new InvalidRequestException(
                  "parameters.aggregation",
                  "fedavg, median or trimmed-mean, got '"
                      + (name.length() > 40 ? name.substring(0, 40) + "..." : name)
                      + "'");
        };
    double clip = number(p, "clipFactor", rule == Rule.FEDAVG ? 0 : 3, 0, 1e6);
    if (clip != 0 && clip < 1) {
      throw new InvalidRequestException(
          "parameters.clipFactor", "0 (off) or at least 1, got " + p.get("clipFactor"));
    }
    double trim = number(p, "trim", 0.2, 0, 0.49);
    return new Aggregation(rule, clip, trim);
  }

  private static double number(
      Map<String, String> p, String key, double dflt, double lo, double hi) {
    String s = p.get(key);
    if (s == null) {
      return dflt;
    }
    double v;
    try {
      v = Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    if (!(v >= lo && v <= hi)) {
      throw new InvalidRequestException(
          "parameters." + key, "a number from " + lo + " to " + hi + ", got '" + s + "'");
    }
    return v;
  }
}
