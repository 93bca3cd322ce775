package org.entente.coordinator.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A training job's FedAvg progress, kept in its {@link JobRecord}: how many rounds it runs, the
 * last checkpoint (the average that ended the newest round; after the final round, the trained
 * model) and the most recent round outcomes. Written by the leader only, after the checkpoint is in
 * the artifact store. Immutable.
 */
public record TrainingRecord(int rounds, CheckpointRef checkpoint, List<RoundRecord> recent) {
  /** Outcomes kept in the record; older ones fall off so the znode stays small. */
  public static final int KEEP_ROUNDS = 200;

  /**
   * Shard entries (contributions and missing shards) kept over all recent rounds (at most about 60
   * bytes each): a job of many shards keeps fewer rounds, so the record stays far below ZooKeeper's
   * 1 MB.
   */
  public static final int KEEP_CONTRIBUTIONS = 4_000;

  public TrainingRecord {
    recent = List.copyOf(recent == null ? List.of() : recent);
  }

  /** A stored model file: the parameters at the end of {@code round}. */
  public record CheckpointRef(int round, String sha256, long sizeBytes) {}

  /** One shard's part in a round. */
  public record Contribution(int shard, int attempt, long examples, double loss) {}

  /** How a round ended. {@code closedBy} is "all" or "timeout". */
  public record RoundRecord(
      int round,
      List<Contribution> contributions,
      List<Integer> missing,
      String closedBy,
      double loss,
      long examples,
      CheckpointRef checkpoint,
      long openedAtMs,
      long closedAtMs,
      List<RefusedUpdate> refused) {
    public RoundRecord {
      contributions = List.copyOf(contributions);
      missing = List.copyOf(missing);
      refused = refused == null ? List.of() : List.copyOf(refused);
    }

    /** A round with every update in it. */
    public RoundRecord(
        int round,
        List<Contribution> contributions,
        List<Integer> missing,
        String closedBy,
        double loss,
        long examples,
        CheckpointRef checkpoint,
        long openedAtMs,
        long closedAtMs) {
      this(
          round,
          contributions,
          missing,
          closedBy,
          loss,
          examples,
          checkpoint,
          openedAtMs,
          closedAtMs,
          List.of());
    }
  }

  /** An update a round's aggregation rule left out, and why. */
  public record RefusedUpdate(int shard, int attempt, String reason) {}

  /** The last round that closed, or 0. */
  public int lastRound() {
    return checkpoint == null ? 0 : checkpoint.round();
  }

  /** This record with {@code r} appended (and its checkpoint current); ignores an older round. */
  public TrainingRecord with(RoundRecord r) {
    if (r.round() <= lastRound()) {
      return this;
    }
    List<RoundRecord> next = new ArrayList<>(recent);
    next.add(r);
    int from = Math.max(0, next.size() - KEEP_ROUNDS);
    int kept = 0;
    for (int i = next.size() - 1; i >= from; i--) {
      kept += next.get(i).contributions().size() + next.get(i).missing().size();
      if (kept > KEEP_CONTRIBUTIONS && i < next.size() - 1) {
        from = i + 1;
        break;
      }
    }
    next = next.subList(from, next.size());
    return new TrainingRecord(rounds, r.checkpoint(), next);
  }
}
