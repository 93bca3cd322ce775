package org.entente.coordinator.dashboard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;

/**
 * Each nation's contributed and consumed GPU- and CPU-time over time, folded from the log's entries
 * in order by the rules the ledger counts by ({@code ledger.LedgerBook}): a receipt counts once a
 * seal covers it; a run held for a replication check charges its job's nation when sealed and
 * credits its node's nation only when a sealed verification names it among the agreeing runs. Each
 * change adds a point of cumulative totals at the receipt's observed end (or the verification's
 * time), never earlier than the nation's last point. Pure; not thread-safe.
 */
public final class ContributionTimeline {
  private static final double MS_PER_HOUR = 3_600_000.0;

  /** Totals in milliseconds: contributed GPU, consumed GPU, contributed CPU, consumed CPU. */
  private final Map<String, long[]> totals = new TreeMap<>();

  private final Map<String, Long> receipts = new TreeMap<>();
  private final Map<String, List<Overview.Point>> series = new TreeMap<>();
  private final List<LedgerEntry> unsealed = new ArrayList<>();
  private final Map<String, Observation> held = new HashMap<>();
  private long entries;

  /** Entries folded so far. */
  public long entries() {
    return entries;
  }

  /** Folds the next entry of the log. */
  public void add(LedgerEntry e) {
    entries++;
    switch (e.getKindCase()) {
      case RECEIPT, VERIFICATION -> unsealed.add(e);
      case SEAL -> seal();
      default -> {}
    }
  }

  private void seal() {
    List<LedgerEntry> sealed = new ArrayList<>(unsealed);
    unsealed.clear();
    sealed.sort(Comparator.comparingLong(ContributionTimeline::time));
    for (LedgerEntry e : sealed) {
      if (e.hasReceipt()) {
        count(e.getReceipt().getObserved());
      } else {
        for (String id : e.getVerification().getAgreeingReceiptsList()) {
          Observation o = held.remove(id);
          if (o != null) {
            change(o.getNodeNation(), e.getVerification().getAtUnixMs(), o, true, false);
          }
        }
        e.getVerification().getWrongReceiptsList().forEach(held::remove);
      }
    }
  }

  private void count(Observation o) {
    if (o.getLeaderOnly() && o.getCreditedGpuMs() == 0 && o.getCreditedCpuMs() == 0) {
      return; // a closure that credits nothing
    }
    long at = o.getObservedEndUnixMs();
    if (o.getHeldForCheck()) {
      held.put(o.getReceiptId(), o);
      change(o.getChargedNation(), at, o, false, true);
      return;
    }
    if (o.getNodeNation().equals(o.getChargedNation())) {
      change(o.getNodeNation(), at, o, true, true);
    } else {
      change(o.getNodeNation(), at, o, true, false);
      change(o.getChargedNation(), at, o, false, true);
    }
  }

  private void change(
      String nation, long atMs, Observation o, boolean contributed, boolean consumed) {
    long[] t = totals.computeIfAbsent(nation, k -> new long[4]);
    if (contributed) {
      t[0] = Math.addExact(t[0], o.getCreditedGpuMs());
      t[2] = Math.addExact(t[2], o.getCreditedCpuMs());
      receipts.merge(nation, 1L, Long::sum);
    }
    if (consumed) {
      t[1] = Math.addExact(t[1], o.getCreditedGpuMs());
      t[3] = Math.addExact(t[3], o.getCreditedCpuMs());
    }
    List<Overview.Point> points = series.computeIfAbsent(nation, k -> new ArrayList<>());
    long at = points.isEmpty() ? atMs : Math.max(atMs, points.get(points.size() - 1).atMs());
    Overview.Point p = point(at, t);
    if (!points.isEmpty() && points.get(points.size() - 1).atMs() == at) {
      points.set(points.size() - 1, p);
    } else {
      points.add(p);
    }
  }

  private static long time(LedgerEntry e) {
    return e.hasReceipt()
        ? e.getReceipt().getObserved().getObservedEndUnixMs()
        : e.getVerification().getAtUnixMs();
  }

  private static Overview.Point point(long atMs, long[] t) {
    return new Overview.Point(
        atMs, t[0] / MS_PER_HOUR, t[1] / MS_PER_HOUR, t[2] / MS_PER_HOUR, t[3] / MS_PER_HOUR);
  }

  /** The nation's counted totals (zero when nothing of it is counted). */
  public Overview.Totals totals(String nation) {
    long[] t = totals.getOrDefault(nation, new long[4]);
    return new Overview.Totals(
        t[0] / MS_PER_HOUR,
        t[1] / MS_PER_HOUR,
        t[2] / MS_PER_HOUR,
        t[3] / MS_PER_HOUR,
        receipts.getOrDefault(nation, 0L));
  }

  /**
   * The nation's points, at most {@code maxPoints} of them: evenly picked, always with the first
   * and the last, so the chart keeps its shape and ends at the totals.
   */
  public List<Overview.Point> series(String nation, int maxPoints) {
    if (maxPoints < 2) {
      throw new IllegalArgumentException("maxPoints must be at least 2, got " + maxPoints);
    }
    List<Overview.Point> all = series.getOrDefault(nation, List.of());
    if (all.size() <= maxPoints) {
      return List.copyOf(all);
    }
    List<Overview.Point> out = new ArrayList<>(maxPoints);
    double step = (all.size() - 1) / (double) (maxPoints - 1);
    for (int i = 0; i < maxPoints; i++) {
      out.add(all.get((int) Math.round(i * step)));
    }
    return out;
  }
}
