package org.entente.agent.djl;

import java.util.Objects;

/**
 * Examples read from a data partition: {@code width} feature values per example, flattened row
 * after row into {@code features}; the class of each example in {@code labels} (empty for inference
 * inputs); and each example's data row index in its file in {@code rows}. The arrays are not
 * copied: callers must not change them after construction. Thread-safe to read.
 */
public record Examples(int width, float[] features, int[] labels, long[] rows) {
  public Examples {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(rows, "rows");
    if (width < 0 || (long) width * rows.length != features.length) {
      throw new IllegalArgumentException(
          rows.length + " rows of " + width + " values do not make " + features.length);
    }
    if (labels.length != 0 && labels.length != rows.length) {
      throw new IllegalArgumentException(labels.length + " labels for " + rows.length + " rows");
    }
  }

  /** How many examples there are. */
  public int size() {
    return rows.length;
  }

  /** Whether every example has a class label. */
  public boolean labelled() {
    return labels.length == rows.length;
  }
}
