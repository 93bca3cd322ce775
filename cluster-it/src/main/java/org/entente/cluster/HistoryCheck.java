package org.entente.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a chaos run's recorded history against what Entente promises: no acknowledged job lost, no
 * attempt credited twice, leader epochs that never overlap in the log, no quota overspent, one
 * ledger on every nation. Pure: it reads only the records it is given.
 */
public final class HistoryCheck {
  /** A job the federation acknowledged (the client got its id), and its state at the end. */
  public record Acknowledged(String jobId, String finalState) {}

  /** One closed attempt as the ledger logs it, with the epoch of the leader that logged it. */
  public record Closure(String receiptId, boolean leaderOnly, long creditedMs, long epoch) {}

  /** One sample of a nation's quota: usage, nominal and (−1 = unlimited) borrowing limit, CPUs. */
  public record QuotaSample(
      long atMs, String nation, long usedCpus, long nominalCpus, long borrowLimitCpus, long pool) {}

  /** What the check found. Every count is a violation except the totals. */
  public record Verdict(
      int acknowledged,
      int lost,
      int notSucceeded,
      int closures,
      int creditedTwice,
      int epochRegressions,
      int quotaOverspends,
      int rootMismatches,
      List<String> problems) {
    public boolean passed() {
      return problems.isEmpty();
    }
  }

  private HistoryCheck() {}

  /**
   * @param acknowledged every job the client was given an id for, with its state once the run has
   *     drained ({@code ""} when no replica knows it); anything but SUCCEEDED is a problem
   * @param entryEpochs the epoch of every epoch-carrying ledger entry, in log order
   * @param roots each nation's replica's cosigned root at one common tree size
   */
  public static Verdict check(
      List<Acknowledged> acknowledged,
      List<Closure> closures,
      List<Long> entryEpochs,
      List<QuotaSample> quotas,
      Map<String, String> roots) {
    List<String> problems = new ArrayList<>();
    int lost = 0;
    int unfinished = 0;
    for (Acknowledged a : acknowledged) {
      if (a.finalState().isEmpty()) {
        lost++;
        problems.add("acknowledged job " + a.jobId() + " is unknown to the federation");
      } else if (!a.finalState().equals("SUCCEEDED")) {
        unfinished++;
        problems.add("acknowledged job " + a.jobId() + " ended " + a.finalState());
      }
    }
    Map<String, Integer> seen = new HashMap<>();
    int twice = 0;
    for (Closure c : closures) {
      if (seen.merge(c.receiptId(), 1, Integer::sum) == 2) {
        twice++;
        problems.add("attempt " + c.receiptId() + " is closed more than once in the ledger");
      }
    }
    int regressions = 0;
    for (int i = 1; i < entryEpochs.size(); i++) {
      if (entryEpochs.get(i) < entryEpochs.get(i - 1)) {
        regressions++;
        problems.add(
            "ledger entry of epoch "
                + entryEpochs.get(i)
                + " logged after one of epoch "
                + entryEpochs.get(i - 1)
                + " (two leaders' terms overlap)");
      }
    }
    int overspends = 0;
    for (QuotaSample q : quotas) {
      boolean overLimit =
          q.borrowLimitCpus() >= 0 && q.usedCpus() > q.nominalCpus() + q.borrowLimitCpus();
      if (overLimit || q.usedCpus() > q.pool()) {
        overspends++;
        problems.add(
            q.nation() + " used " + q.usedCpus() + " CPUs at " + q.atMs() + " beyond its quota");
      }
    }
    int mismatches = Set.copyOf(roots.values()).size() > 1 ? roots.size() : 0;
    if (mismatches > 0) {
      problems.add("the nations' ledgers differ at one size: " + roots);
    }
    return new Verdict(
        acknowledged.size(),
        lost,
        unfinished,
        closures.size(),
        twice,
        regressions,
        overspends,
        mismatches,
        List.copyOf(problems));
  }
}
