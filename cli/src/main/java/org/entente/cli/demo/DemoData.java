package org.entente.cli.demo;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.entente.security.Sha256;

/**
 * The demo's data: a 4-class problem in 8 features (Gaussian clusters that overlap), split across
 * nations on purpose unevenly (non-IID): each nation holds mostly two of the classes, as real
 * partners' data would differ. A balanced held-out set, which no nation trains on, measures the
 * federated model. Deterministic for a seed.
 */
public final class DemoData {
  public static final int FEATURES = 8;
  public static final int CLASSES = 4;

  /** Class mix per nation, in order of the nations given. */
  private static final double[][] MIX = {
    {0.55, 0.35, 0.05, 0.05}, {0.05, 0.55, 0.35, 0.05}, {0.05, 0.05, 0.35, 0.55},
  };

  /** A written CSV file and its SHA-256. */
  public record File(Path path, String sha256, int rows) {}

  /** Each nation's training partition, the held-out features, and their true labels. */
  public record Written(Map<String, File> partitions, File heldOut, int[] heldOutLabels) {}

  private final double[][] centers = new double[CLASSES][FEATURES];
  private final SplittableRandom random;

  public DemoData(long seed) {
    random = new SplittableRandom(seed);
    for (double[] c : centers) {
      for (int f = 0; f < FEATURES; f++) {
        c[f] = random.nextDouble(-2, 2);
      }
    }
  }

  /**
   * Writes {@code rowsPerNation} labelled rows for each nation under {@code dir/<NATION>/} and a
   * balanced held-out set of {@code heldOutRows} under {@code dir/heldout/}.
   */
  public Written write(Path dir, List<String> nations, int rowsPerNation, int heldOutRows)
      throws IOException {
    Map<String, File> parts = new LinkedHashMap<>();
    for (int n = 0; n < nations.size(); n++) {
      double[] mix = MIX[n % MIX.length];
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < rowsPerNation; i++) {
        int label = pick(mix);
        lines.add(row(label) + "," + label);
      }
      Path p = dir.resolve(nations.get(n)).resolve("train.csv");
      parts.put(nations.get(n), write(p, header(true), lines));
    }
    int[] labels = new int[heldOutRows];
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < heldOutRows; i++) {
      labels[i] = i % CLASSES;
      lines.add(row(labels[i]));
    }
    File held = write(dir.resolve("heldout").resolve("features.csv"), header(false), lines);
    return new Written(parts, held, labels);
  }

  private int pick(double[] mix) {
    double u = random.nextDouble();
    for (int k = 0; k < mix.length - 1; k++) {
      u -= mix[k];
      if (u < 0) {
        return k;
      }
    }
    return mix.length - 1;
  }

  private String row(int label) {
    StringBuilder b = new StringBuilder();
    for (int f = 0; f < FEATURES; f++) {
      double v = centers[label][f] + gaussian() * 1.3;
      if (f > 0) {
        b.append(',');
      }
      b.append(String.format(Locale.ROOT, "%.4f", v));
    }
    return b.toString();
  }

  private double gaussian() {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private static String header(boolean labelled) {
    StringBuilder b = new StringBuilder();
    for (int f = 0; f < FEATURES; f++) {
      b.append(f == 0 ? "" : ",").append("x").append(f);
    }
    return labelled ? b + ",label" : b.toString();
  }

  private static File write(Path p, String header, List<String> lines) throws IOException {
    Files.createDirectories(p.getParent());
    try (BufferedWriter w = Files.newBufferedWriter(p)) {
      w.write(header);
      w.write('\n');
      for (String l : lines) {
        w.write(l);
        w.write('\n');
      }
    }
    return new File(p, sha256(Files.readAllBytes(p)), lines.size());
  }

  static String sha256(byte[] bytes) {
    MessageDigest d = Sha256.newDigest();
    d.update(bytes);
    return Sha256.hex(d);
  }
}
