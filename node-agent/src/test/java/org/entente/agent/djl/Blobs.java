package org.entente.agent.djl;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic classification data: {@code classes} Gaussian blobs in {@code features} dimensions,
 * centred 3 apart on the axes, so an MLP separates them in a few dozen steps.
 */
final class Blobs {
  private Blobs() {}

  static Examples examples(int n, int features, int classes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * features];
    int[] labels = new int[n];
    long[] rows = new long[n];
    for (int i = 0; i < n; i++) {
      int label = random.nextInt(classes);
      labels[i] = label;
      rows[i] = i;
      for (int f = 0; f < features; f++) {
        double centre = f % classes == label ? 3.0 : 0.0;
        x[i * features + f] = (float) (centre + gaussian(random));
      }
    }
    return new Examples(features, x, labels, rows);
  }

  /** {@code examples} as a training CSV with a header line. */
  static String csv(Examples e, boolean withLabels) {
    StringBuilder s = new StringBuilder();
    for (int f = 0; f < e.width(); f++) {
      s.append(f == 0 ? "" : ",").append("x").append(f);
    }
    s.append(withLabels ? ",label\n" : "\n");
    for (int i = 0; i < e.size(); i++) {
      for (int f = 0; f < e.width(); f++) {
        s.append(f == 0 ? "" : ",")
            .append(String.format(Locale.ROOT, "%.4f", e.features()[i * e.width() + f]));
      }
      if (withLabels) {
        s.append(',').append(e.labels()[i]);
      }
      s.append('\n');
    }
    return s.toString();
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
