package org.entente.coordinator.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.ShardRecord;

/**
 * When a finished job's records may leave {@code /jobs}: its accounts must already be beyond
 * anyone's reach to rewrite. A job is pruned only when it ended at least the retention period ago,
 * every attempt it placed is closed in the ledger, and the last ledger entry naming it lies inside
 * a checkpoint a majority of nations cosigned. An attempt still open when the job has been over for
 * the receipt grace is closed by the leader alone (its receipt is not coming), so no finished job
 * stays forever. Stateless and pure.
 */
public final class Retention {
  private Retention() {}

  /** What to do with a job now. */
  public enum Verdict {
    /** Still running, still within retention, or its entries are not cosigned yet. */
    KEEP,
    /** Its open attempts (see {@link Decision#openShards}) are to be closed by the leader alone. */
    CLOSE_OPEN_ATTEMPTS,
    /** Its records may be deleted from {@code /jobs}. */
    PRUNE
  }

  /**
   * The verdict, with the shards whose current attempt is open (empty unless CLOSE_OPEN_ATTEMPTS).
   */
  public record Decision(Verdict verdict, List<Integer> openShards) {
    static final Decision KEEP = new Decision(Verdict.KEEP, List.of());
  }

  /** The periods retention works by, in milliseconds; both at least zero. */
  public record Periods(long retentionMs, long receiptGraceMs) {
    public Periods {
      if (retentionMs < 0 || receiptGraceMs < 0) {
        throw new IllegalArgumentException("retention periods must not be negative");
      }
    }
  }

  /**
   * Decides for one job.
   *
   * @param closed whether a receipt id is closed in the ledger
   * @param lastEntry the index of the last ledger entry naming the job, or -1 when none does
   * @param cosignedSize the tree size of the newest checkpoint a majority cosigned, verified by the
   *     caller against its own tree (0 when none)
   */
  public static Decision decide(
      JobRecord job,
      ShardRecord[] shards,
      Predicate<String> closed,
      long lastEntry,
      long cosignedSize,
      long nowMs,
      Periods periods) {
    if (!job.state().terminal()) {
      return Decision.KEEP;
    }
    long over = nowMs - job.finishedAtMs();
    if (over < periods.retentionMs()) {
      return Decision.KEEP;
    }
    List<Integer> open = new ArrayList<>();
    for (ShardRecord s : shards) {
      if (placed(s) && !closed.test(ReceiptIds.of(job.id(), s.index(), s.attempt()))) {
        open.add(s.index());
      }
    }
    if (!open.isEmpty()) {
      return over >= periods.receiptGraceMs()
          ? new Decision(Verdict.CLOSE_OPEN_ATTEMPTS, List.copyOf(open))
          : Decision.KEEP;
    }
    if (lastEntry >= cosignedSize) {
      return Decision.KEEP;
    }
    return new Decision(Verdict.PRUNE, List.of());
  }

  private static boolean placed(ShardRecord s) {
    return s.attempt() >= 1 && s.node() != null && !s.node().isEmpty() && s.placedAtMs() > 0;
  }
}
