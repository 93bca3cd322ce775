package org.entente.agent.djl;

import java.util.SplittableRandom;

/** 1x8x8 images of two classes: class 0 is bright in the top half, class 1 in the bottom half. */
final class Images {
  private Images() {}

  static Examples examples(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * 64];
    int[] labels = new int[n];
    long[] rows = new long[n];
    for (int i = 0; i < n; i++) {
      int label = i % 2;
      labels[i] = label;
      rows[i] = i;
      for (int p = 0; p < 64; p++) {
        boolean top = p < 32;
        x[i * 64 + p] = (float) ((top == (label == 0) ? 1.0 : 0.0) + 0.1 * random.nextDouble());
      }
    }
    return new Examples(64, x, labels, rows);
  }
}
