package org.entente.coordinator.jobs;

import java.util.Arrays;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.ledger.CheckpointCheck;
import org.entente.coordinator.ledger.LedgerBook;
import org.entente.coordinator.ledger.Retention;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.security.FederationTrust;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's retention of {@code /jobs}: finished jobs leave it once {@link Retention} allows,
 * judged against the newest checkpoint a majority of nations cosigned, which the leader checks
 * itself (signatures, majority, and its own tree's root at that size) rather than trusting the
 * znode: a hand-written "cosigned" checkpoint prunes nothing. Not thread-safe; owned by the
 * leader's loop, one per term.
 */
final class JobPruner {
  private static final Logger log = LoggerFactory.getLogger(JobPruner.class);

  /** Jobs deleted per pass at most, so retention never holds up scheduling. */
  static final int MAX_PER_PASS = 200;

  private final CuratorFramework zk;
  private final FederationTrust trust;
  private final CoordinatorMetrics metrics;
  private long seenMzxid = -1;
  private long cosignedSize;

  JobPruner(CuratorFramework zk, FederationTrust trust, CoordinatorMetrics metrics) {
    this.zk = zk;
    this.trust = trust;
    this.metrics = metrics;
  }

  /** Closes what retention says is overdue and deletes what it allows. */
  void step(
      WriteBatch batch,
      JobTable table,
      LedgerDuties ledger,
      long now,
      long epoch,
      Retention.Periods periods)
      throws Exception {
    LedgerBook book = ledger.book();
    long cosigned = cosignedSize(book, ledger.logId());
    int pruned = 0;
    for (JobEntry e : table.finished()) {
      Retention.Decision d =
          Retention.decide(
              e.job, e.shards, book::closed, book.lastEntryOf(e.job.id()), cosigned, now, periods);
      switch (d.verdict()) {
        case CLOSE_OPEN_ATTEMPTS -> {
          for (int i : d.openShards()) {
            ledger.closeLeaderOnly(
                e,
                e.shards[i],
                now,
                epoch,
                "the job ended and no receipt came within " + periods.receiptGraceMs() + " ms");
          }
        }
        case PRUNE -> {
          table.prune(batch, e);
          book.forgetJob(e.job.id());
          metrics.jobsPruned.inc();
          pruned++;
        }
        case KEEP -> {}
      }
      if (pruned >= MAX_PER_PASS) {
        break;
      }
    }
    if (pruned > 0) {
      log.info("pruned {} finished jobs whose receipts are cosigned", pruned);
    }
  }

  /**
   * The tree size of the newest cosigned checkpoint that holds: counted by {@link CheckpointCheck}
   * and with the root this leader's own tree has at that size; else the last size that held.
   */
  private long cosignedSize(LedgerBook book, String logId) throws Exception {
    Stat stat = new Stat();
    byte[] data;
    try {
      data = zk.getData().storingStatIn(stat).forPath(ZkPaths.LEDGER_COSIGNED);
    } catch (KeeperException.NoNodeException none) {
      return cosignedSize;
    }
    if (stat.getMzxid() == seenMzxid) {
      return cosignedSize;
    }
    seenMzxid = stat.getMzxid();
    CheckpointCheck.Result r;
    try {
      r =
          CheckpointCheck.check(
              CosignedCheckpoint.parseFrom(data), trust.snapshot().bundle(), logId);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      r = null;
    }
    if (r == null || !r.counts()) {
      log.warn(
          "the published cosigned checkpoint does not count ({}); nothing is pruned by it",
          r == null ? "it does not decode" : r.problems());
      return cosignedSize;
    }
    long size = r.body().getTreeSize();
    if (size > book.size()
        || !Arrays.equals(book.tree().root(size), r.body().getRootHash().toByteArray())) {
      log.error(
          "LEDGER: the cosigned checkpoint of size {} does not match this leader's tree; nothing is"
              + " pruned by it",
          size);
      metrics.witnessAlarms.labelValues("cosigned-mismatch").inc();
      return cosignedSize;
    }
    cosignedSize = Math.max(cosignedSize, size);
    return cosignedSize;
  }
}
