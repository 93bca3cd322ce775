package org.entente.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.entente.proto.v1.Artifact;

/**
 * CSV data sets for the runner benchmarks, in the format the DJL runners read: {@code classes}
 * Gaussian clusters in {@code features} dimensions (centres uniform in [-1, 1], noise 1.0), values
 * written with 4 decimals. What is learned does not matter here, only the size of the work.
 * Deterministic for a seed. Stateless.
 */
final class SyntheticData {
  private SyntheticData() {}

  /** A written file, its SHA-256 and its data rows. */
  record File(Path path, String sha256, int rows) {
    /** As a job's artifact, {@code file:} URI, pinned to {@code jurisdiction} ("" for none). */
    Artifact artifact(String jurisdiction) {
      return Artifact.newBuilder()
          .setUri(path.toAbsolutePath().toUri().toString())
          .setSha256(sha256)
          .setJurisdiction(jurisdiction)
          .build();
    }
  }

  /**
   * Writes {@code rows} examples; with {@code labelled} each row ends with its class, else the file
   * holds features only (inference inputs).
   */
  static File write(Path file, int rows, int features, int classes, boolean labelled, long seed)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] centres = new double[classes][features];
    for (double[] c : centres) {
      for (int f = 0; f < features; f++) {
        c[f] = random.nextDouble(-1, 1);
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    StringBuilder line = new StringBuilder(features * 8);
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (int f = 0; f < features; f++) {
        w.write(f == 0 ? "x0" : ",x" + f);
      }
      w.write(labelled ? ",label\n" : "\n");
      for (int r = 0; r < rows; r++) {
        int label = random.nextInt(classes);
        line.setLength(0);
        for (int f = 0; f < features; f++) {
          if (f > 0) {
            line.append(',');
          }
          decimal4(line, centres[label][f] + gaussian(random));
        }
        if (labelled) {
          line.append(',').append(label);
        }
        w.write(line.append('\n').toString());
      }
    }
    return new File(file, sha256(file), rows);
  }

  /** {@code v} with 4 decimals, without the cost of {@code String.format}. */
  private static void decimal4(StringBuilder out, double v) {
    long scaled = Math.round(v * 10_000);
    if (scaled < 0) {
      out.append('-');
      scaled = -scaled;
    }
    out.append(scaled / 10_000).append('.');
    long frac = scaled % 10_000;
    if (frac < 1000) {
      out.append('0');
    }
    if (frac < 100) {
      out.append('0');
    }
    if (frac < 10) {
      out.append('0');
    }
    out.append(frac);
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  static String sha256(Path file) throws IOException {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
