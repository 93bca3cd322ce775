package org.entente.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Part 1 of {@link LedgerBench} as a table: per pass size and mode, the median over rounds of
 * receipts/s (with the range) and of each round's ratio to that round's raw sign and verify rates
 * on every core; the other columns are those of the median round. Not thread-safe.
 */
final class AppendTable {
  private static final double TARGET = 5_000;

  private final List<CryptoBaseline.Rates> rates = new ArrayList<>();
  private final List<List<LedgerPasses.Result>> rounds = new ArrayList<>();

  /** Adds a round: its baseline and its runs, in the same order every round. */
  void add(CryptoBaseline.Rates baseline, List<LedgerPasses.Result> runs) {
    rates.add(baseline);
    rounds.add(List.copyOf(runs));
  }

  void print(int cores, int receipts) {
    System.out.printf(
        "%npart 1: durable dual-signed appends, 3-server ZooKeeper, %d receipts per run, %d rounds"
            + " (medians; ratios to the same round's raw rates on %d threads)%n",
        receipts, rounds.size(), cores);
    System.out.println(
        "  pass  mode          receipts/s (min-max)   /verify   /sign  cores  CPU us/rcpt"
            + "  ZK bytes/rcpt  pass p50 / max ms  commit p50 ms");
    double bestLeader = 0;
    double bestEnd = 0;
    double bestLeaderRatio = 0;
    for (int c = 0; c < rounds.get(0).size(); c++) {
      List<LedgerPasses.Result> runs = new ArrayList<>();
      double[] perVerify = new double[rounds.size()];
      double[] perSign = new double[rounds.size()];
      for (int r = 0; r < rounds.size(); r++) {
        LedgerPasses.Result x = rounds.get(r).get(c);
        runs.add(x);
        perVerify[r] = x.rate() / rates.get(r).verifyN();
        perSign[r] = x.rate() / rates.get(r).signN();
      }
      List<LedgerPasses.Result> sorted =
          runs.stream().sorted(Comparator.comparingDouble(LedgerPasses.Result::rate)).toList();
      LedgerPasses.Result m = sorted.get(sorted.size() / 2);
      boolean commitOnly = m.mode() == LedgerPasses.Mode.COMMIT_ONLY;
      System.out.printf(
          "  %4d  %-12s  %6.0f (%6.0f-%6.0f)  %7s  %6s  %5.2f  %11.0f  %13.0f  %7.1f / %6.1f"
              + "  %13.1f%n",
          m.batch(),
          m.mode().name().toLowerCase().replace('_', '-'),
          m.rate(),
          sorted.get(0).rate(),
          sorted.get(sorted.size() - 1).rate(),
          commitOnly ? "-" : String.format("%.3f", median(perVerify)),
          commitOnly ? "-" : String.format("%.3f", median(perSign)),
          m.cpuSeconds() / m.seconds(),
          1e6 * m.cpuSeconds() / m.receipts(),
          m.bytes() / (double) m.receipts(),
          m.passP50Ms(),
          m.passMaxMs(),
          m.commitP50Ms());
      if (m.mode() == LedgerPasses.Mode.LEADER && m.rate() > bestLeader) {
        bestLeader = m.rate();
        bestLeaderRatio = median(perVerify);
      }
      if (m.mode() == LedgerPasses.Mode.END_TO_END) {
        bestEnd = Math.max(bestEnd, m.rate());
      }
    }
    double verifyN = median(rates.stream().mapToDouble(CryptoBaseline.Rates::verifyN).toArray());
    double signN = median(rates.stream().mapToDouble(CryptoBaseline.Rates::signN).toArray());
    System.out.printf(
        "  leader side, best median: %.0f receipts/s = %.2f of the 5 000/s target (%s);"
            + " %.3f of raw verifies/s on %d threads%n"
            + "  end to end,  best median: %.0f receipts/s = %.2f of the target (%s);"
            + " one raw sign + one raw verify per receipt alone would allow %.0f/s%n",
        bestLeader,
        bestLeader / TARGET,
        bestLeader >= TARGET ? "met" : "not met",
        bestLeaderRatio,
        cores,
        bestEnd,
        bestEnd / TARGET,
        bestEnd >= TARGET ? "met" : "not met",
        1 / (1 / verifyN + 1 / signN));
  }

  /** The baselines, per round and their median. */
  void printRates(int cores, int bodyBytes) {
    System.out.printf(
        "%nraw primitives per round (Signatures.sign / verify: Bouncy Castle SHA256withECDSA,"
            + " P-256, a %d-byte receipt body), then the median:%n",
        bodyBytes);
    row("sign,   1 thread ", CryptoBaseline.Rates::sign1);
    row("sign,   " + cores + " threads", CryptoBaseline.Rates::signN);
    row("verify, 1 thread ", CryptoBaseline.Rates::verify1);
    row("verify, " + cores + " threads", CryptoBaseline.Rates::verifyN);
    System.out.println(
        "  the same with the keys translated to Bouncy Castle's once (the product passes the"
            + " JDK's):");
    double s = row("sign,   1 thread ", CryptoBaseline.Rates::signBc1);
    double v = row("verify, 1 thread ", CryptoBaseline.Rates::verifyBc1);
    System.out.printf(
        "  = %.2f x the sign rate and %.2f x the verify rate with the JDK's keys%n",
        s / medianOf(CryptoBaseline.Rates::sign1), v / medianOf(CryptoBaseline.Rates::verify1));
  }

  double medianOf(java.util.function.ToDoubleFunction<CryptoBaseline.Rates> f) {
    return median(rates.stream().mapToDouble(f).toArray());
  }

  private double row(String label, java.util.function.ToDoubleFunction<CryptoBaseline.Rates> f) {
    StringBuilder b = new StringBuilder("  " + label + " ");
    for (CryptoBaseline.Rates r : rates) {
      b.append(String.format(" %7.0f", f.applyAsDouble(r)));
    }
    double m = medianOf(f);
    System.out.println(b.append(String.format("   median %7.0f /s", m)));
    return m;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n == 0 ? 0 : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
