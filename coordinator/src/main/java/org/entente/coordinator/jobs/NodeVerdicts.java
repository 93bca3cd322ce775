package org.entente.coordinator.jobs;

import java.util.List;
import org.entente.coordinator.logstore.LedgerWriter;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.QuarantineEntry;
import org.entente.proto.v1.VerificationEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's ledger entries about nodes, split from {@link LedgerDuties} along its seam (closing
 * attempts there, judging nodes here): how replicated runs compared, quarantines, training updates
 * a round left out, and what approved governance decided about nodes. Not thread-safe; used on the
 * leader's loop.
 */
final class NodeVerdicts {
  private static final Logger log = LoggerFactory.getLogger(NodeVerdicts.class);

  private final LedgerWriter writer;
  private final CoordinatorMetrics metrics;

  NodeVerdicts(LedgerWriter writer, CoordinatorMetrics metrics) {
    this.writer = writer;
    this.metrics = metrics;
  }

  /**
   * Logs how a replicated shard's runs compared: {@code accepted} names the agreeing and wrong runs
   * when there is a result; with none, a disagreement credits nothing yet and no-majority withholds
   * every run.
   */
  void verification(
      String jobId,
      int shard,
      String outcome,
      List<org.entente.coordinator.model.RunOutput> runs,
      org.entente.coordinator.model.Replication.Accept accepted,
      boolean sameNation,
      long now,
      long epoch) {
    VerificationEntry.Builder v =
        VerificationEntry.newBuilder()
            .setJobId(jobId)
            .setShard(shard)
            .setOutcome(outcome)
            .setSameNation(sameNation)
            .setAtUnixMs(now)
            .setEpoch(epoch);
    for (var r : runs) {
      v.addRuns(
          org.entente.proto.v1.RunOutput.newBuilder()
              .setReceiptId(r.receiptId())
              .setNode(r.node())
              .setNodeNation(r.nodeNation())
              .setOutputSha256(r.sha256()));
    }
    if (accepted != null) {
      v.setAcceptedSha256(accepted.sha256());
      accepted.agreeing().forEach(r -> v.addAgreeingReceipts(r.receiptId()));
      accepted.wrong().forEach(r -> v.addWrongReceipts(r.receiptId()));
    } else if (outcome.equals("no-majority")) {
      runs.forEach(r -> v.addWrongReceipts(r.receiptId()));
    }
    writer.append(LedgerEntry.newBuilder().setVerification(v).build());
    metrics.ledgerEntries.labelValues("verification").inc();
  }

  /** Logs the updates a recorded FedAvg round left out, with the node each came from. */
  void refusedUpdates(JobEntry e, TrainingRecord.RoundRecord round, long now, long epoch) {
    var rule = TrainingPlan.of(e.job.spec()).aggregation();
    for (TrainingRecord.RefusedUpdate u : round.refused()) {
      String node =
          u.shard() >= 0
                  && u.shard() < e.shards.length
                  && e.shards[u.shard()].attempt() == u.attempt()
              ? e.shards[u.shard()].node()
              : "";
      writer.append(
          LedgerEntry.newBuilder()
              .setRefusedUpdate(
                  org.entente.proto.v1.RefusedUpdateEntry.newBuilder()
                      .setJobId(e.job.id())
                      .setRound(round.round())
                      .setShard(u.shard())
                      .setAttempt(u.attempt())
                      .setNode(node)
                      .setRule(
                          rule.rule().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                              + " clipFactor "
                              + rule.clipFactor())
                      .setReason(u.reason())
                      .setAtUnixMs(now)
                      .setEpoch(epoch))
              .build());
      metrics.ledgerEntries.labelValues("refused-update").inc();
    }
  }

  /**
   * Logs the governance entries this replica verified that the ledger lacks, in order, and what
   * they decide about nodes: a quarantine, or a release (of a governed quarantine or of the
   * leader's own after a verdict), as {@code QuarantineEntry} naming the proposal.
   */
  void governance(List<org.entente.proto.v1.GovernanceEntry> verified, long now, long epoch) {
    for (org.entente.proto.v1.GovernanceEntry g : verified) {
      if (g.getSequence() <= writer.book().governanceLogged()) {
        continue;
      }
      writer.append(LedgerEntry.newBuilder().setGovernance(g).build());
      metrics.ledgerEntries.labelValues("governance").inc();
      if (!g.hasApplied()) {
        continue;
      }
      org.entente.proto.v1.Proposal p;
      try {
        p = org.entente.proto.v1.Proposal.parseFrom(g.getApplied().getProposal().getBody());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        continue; // the keeper verified it, so it decodes
      }
      String by = "governance:" + p.getId();
      if (p.getChange().hasQuarantine()) {
        String node = p.getChange().getQuarantine().getNode();
        if (!writer.book().tracks().quarantined(node)) {
          quarantineEntry(node, true, p.getReason(), by, now, epoch);
        }
      } else if (p.getChange().hasRelease()) {
        String node = p.getChange().getRelease().getNode();
        if (writer.book().tracks().quarantined(node)) {
          quarantineEntry(node, false, p.getReason(), by, now, epoch);
          log.info("node {} released from quarantine by {}", node, by);
        }
      }
    }
  }

  private void quarantineEntry(
      String node, boolean on, String reason, String by, long now, long epoch) {
    writer.append(
        LedgerEntry.newBuilder()
            .setQuarantine(
                QuarantineEntry.newBuilder()
                    .setNode(node)
                    .setQuarantined(on)
                    .setReason(reason.length() > 500 ? reason.substring(0, 500) + "..." : reason)
                    .setBy(by)
                    .setAtUnixMs(now)
                    .setEpoch(epoch))
            .build());
    metrics.ledgerEntries.labelValues(on ? "quarantine" : "release").inc();
  }

  /**
   * Logs a node put in quarantine by the leader after a verdict found its result wrong, or after it
   * signed a receipt claiming more than it can have run.
   */
  void quarantine(String node, String reason, long now, long epoch) {
    if (writer.book().tracks().quarantined(node)) {
      return;
    }
    quarantineEntry(node, true, reason, "leader", now, epoch);
  }
}
