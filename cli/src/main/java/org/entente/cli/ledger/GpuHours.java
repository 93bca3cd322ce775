package org.entente.cli.ledger;

import java.util.Locale;

/** GPU-milliseconds as GPU-hours for people. Stateless. */
final class GpuHours {
  private GpuHours() {}

  static double of(long gpuMs) {
    return gpuMs / 3_600_000.0;
  }

  static String text(long gpuMs) {
    return String.format(Locale.ROOT, "%.6f", of(gpuMs));
  }
}
