package org.entente.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Estimates a quantile from a Prometheus classic histogram's cumulative buckets, as {@code
 * histogram_quantile} does: find the bucket holding the rank, interpolate linearly inside it.
 */
final class HistogramQuantile {
  private static final Pattern BUCKET =
      Pattern.compile("_bucket\\{le=\"([^\"]+)\"\\} ([0-9.eE+-]+)");

  private HistogramQuantile() {}

  /** {@code exposition} is the /metrics text; {@code name} the histogram's name. */
  static double estimate(String exposition, String name, double q) {
    List<double[]> buckets = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + "_bucket{")) {
        Matcher m = BUCKET.matcher(line);
        if (m.find()) {
          double le =
              m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
          buckets.add(new double[] {le, Double.parseDouble(m.group(2))});
        }
      }
    }
    if (buckets.isEmpty()) {
      return Double.NaN;
    }
    buckets.sort((a, b) -> Double.compare(a[0], b[0]));
    double total = buckets.get(buckets.size() - 1)[1];
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (double[] b : buckets) {
      if (b[1] >= rank) {
        if (Double.isInfinite(b[0])) {
          return lowerBound;
        }
        double inBucket = b[1] - lowerCount;
        return inBucket == 0
            ? b[0]
            : lowerBound + (b[0] - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = b[0];
      lowerCount = b[1];
    }
    return lowerBound;
  }
}
