package org.entente.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Paired direct and shard times of one workload at two sizes (steps or rows): medians with min–max,
 * the ratio shard ÷ direct at each (of the medians, and of the minimums, the best of the
 * repetitions, which is the steadier estimate on a noisy machine), the fixed cost shard − direct,
 * and the marginal ratio between the sizes. Not thread-safe.
 */
final class PairedSizes {
  private final int small;
  private final int large;
  private final List<double[]> smallRuns = new ArrayList<>();
  private final List<double[]> largeRuns = new ArrayList<>();

  PairedSizes(int small, int large) {
    this.small = small;
    this.large = large;
  }

  void add(int size, boolean directFirst, RunnerBench.Timed direct, RunnerBench.Timed shard)
      throws Exception {
    double d;
    double s;
    if (directFirst) {
      d = direct.ms();
      s = shard.ms();
    } else {
      s = shard.ms();
      d = direct.ms();
    }
    (size == small ? smallRuns : largeRuns).add(new double[] {d, s});
  }

  void print(String unit) {
    double dS = RunnerBench.median(smallRuns, 0);
    double sS = RunnerBench.median(smallRuns, 1);
    double dL = RunnerBench.median(largeRuns, 0);
    double sL = RunnerBench.median(largeRuns, 1);
    System.out.printf(
        "  %-8s %-22s %-22s %-18s %s%n",
        unit,
        "direct ms (min-max)",
        "shard ms (min-max)",
        "ratio med / min",
        "fixed ms (shard-direct, medians)");
    line(small, smallRuns);
    line(large, largeRuns);
    System.out.printf(
        Locale.ROOT,
        "  marginal ratio (large - small, medians): %.3f; per %s: direct %.3f ms, shard %.3f ms%n",
        (sL - sS) / (dL - dS),
        unit.substring(0, unit.length() - 1),
        (dL - dS) / (large - small),
        (sL - sS) / (large - small));
    System.out.printf(
        Locale.ROOT,
        "  ratio at %d %s: %.3f of medians, %.3f of minimums (target <= 1.10)%n",
        large,
        unit,
        sL / dL,
        RunnerBench.min(largeRuns, 1) / RunnerBench.min(largeRuns, 0));
  }

  private static void line(int size, List<double[]> runs) {
    double d = RunnerBench.median(runs, 0);
    double s = RunnerBench.median(runs, 1);
    System.out.printf(
        Locale.ROOT,
        "  %-8d %6.0f (%5.0f-%5.0f)    %6.0f (%5.0f-%5.0f)    %5.3f / %5.3f     %6.0f%n",
        size,
        d,
        RunnerBench.min(runs, 0),
        RunnerBench.max(runs, 0),
        s,
        RunnerBench.min(runs, 1),
        RunnerBench.max(runs, 1),
        s / d,
        RunnerBench.min(runs, 1) / RunnerBench.min(runs, 0),
        s - d);
  }
}
