package org.entente.coordinator.jobs;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.ledger.AttemptFacts;
import org.entente.coordinator.ledger.LedgerBook;
import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.coordinator.ledger.ReceiptEntries;
import org.entente.coordinator.ledger.Refusal;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.logstore.LedgerWriter;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.PartitionDigest;
import org.entente.proto.v1.PlacementDecision;
import org.entente.proto.v1.ProvenanceEntry;
import org.entente.proto.v1.SchedulingEntry;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.security.KeyMaterial;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's ledger duties within its pass: vet terminal reports (outputs must be in the artifact
 * store; a training shard succeeds only after the final round is recorded), close each attempt
 * exactly once (countersigning the agent's receipt, or alone crediting nothing), log provenance and
 * scheduling decisions, and hand the pass its sealed block writes and checkpoints. Entries about
 * nodes (verdicts, quarantines, governance decisions) are {@link NodeVerdicts}'. Not thread-safe;
 * owned by the leader's loop.
 */
final class LedgerDuties {
  private static final Logger log = LoggerFactory.getLogger(LedgerDuties.class);

  private final KeyMaterial keys;
  private final Predicate<String> outputStored;
  private final CoordinatorMetrics metrics;
  private final long checkpointEveryMs;
  private LedgerWriter writer;
  private String logId;
  private long lastCheckpointSize = -1;
  private long lastCheckpointAt;

  LedgerDuties(
      KeyMaterial keys,
      Predicate<String> outputStored,
      CoordinatorMetrics metrics,
      long checkpointEveryMs) {
    this.keys = keys;
    this.outputStored = outputStored;
    this.metrics = metrics;
    this.checkpointEveryMs = checkpointEveryMs;
  }

  /** Loads the stored log (a new leader, before its first decision). */
  void load(LedgerStore store, String logId) throws Exception {
    this.writer = LedgerWriter.load(store, keys);
    this.logId = logId;
    this.lastCheckpointSize = -1;
    this.lastCheckpointAt = 0;
  }

  void unload() {
    writer = null;
  }

  String logId() {
    return logId;
  }

  LedgerBook book() {
    return writer.book();
  }

  /**
   * A terminal report as the leader accepts it: SUCCEEDED becomes FAILED when an output it names is
   * not in the artifact store, or when a training shard claims success before the job's final round
   * is recorded.
   */
  Report vet(JobEntry e, Report r) {
    if (r.phase() != JobLifecycle.Phase.SUCCEEDED) {
      return r;
    }
    if (r.output() != null && !outputStored.test(r.output().sha256())) {
      return r.failed(
          "output " + r.output().sha256() + " is not in the artifact store; the report is refused");
    }
    if ("training".equals(e.job.spec().kind())) {
      int planned = TrainingPlan.of(e.job.spec()).rounds();
      TrainingRecord t = e.job.training();
      int done = t == null ? 0 : t.lastRound();
      if (done < planned) {
        return r.failed(
            "reported success after round "
                + done
                + " of "
                + planned
                + "; a training shard succeeds only once the final round is recorded");
      }
    }
    return r;
  }

  /** What the leader knows of the attempt the shard record names. */
  static AttemptFacts facts(JobEntry e, ShardRecord s, List<String> outputs) {
    NodeKey node = NodeKey.parse(s.node());
    return new AttemptFacts(
        e.job.id(),
        s.index(),
        s.attempt(),
        s.node(),
        node.nation(),
        e.job.nation(),
        e.job.spec().resources().gpus(),
        s.placedAtMs(),
        outputs,
        e.job.spec().resources().cpus());
  }

  /**
   * Closes the attempt the report ends, once: with the agent's receipt countersigned when it holds,
   * else by the leader alone, crediting nothing. A closed attempt changes nothing (a replay or a
   * resend).
   */
  boolean close(JobEntry e, ShardRecord s, Report r, long now, long epoch, boolean held) {
    if (s.attempt() < 1 || s.node().isEmpty() || s.placedAtMs() <= 0) {
      return false; // never placed
    }
    List<String> outputs = r.output() == null ? List.of() : List.of(r.output().sha256());
    AttemptFacts f = facts(e, s, outputs);
    if (writer.book().closed(f.receiptId())) {
      return false;
    }
    ReceiptCheck.Signed signed = r.receipt();
    Refusal refused =
        signed == null
            ? new Refusal("missing", "the agent sent no receipt")
            : ReceiptCheck.matchFacts(signed, f, now, now);
    boolean overClaim = refused != null && refused.rule().equals("over-claim");
    if ((refused == null || overClaim)
        && writer.book().sequenceUsed(f.node(), signed.receipt().getSequence())) {
      refused =
          new Refusal(
              "replay",
              "node "
                  + f.node()
                  + " used receipt sequence "
                  + signed.receipt().getSequence()
                  + " before");
    }
    ByteString certSha = null;
    if (refused == null || refused.rule().equals("over-claim")) { // signed by the node itself
      try {
        certSha = writer.logCertificate(signed.certificate().getEncoded());
      } catch (java.security.cert.CertificateEncodingException ex) {
        refused = new Refusal("certificate", "the certificate does not encode");
      }
    }
    if (refused != null) {
      metrics.receiptsRefused.labelValues(refused.rule()).inc();
      log.warn(
          "receipt for {} refused ({}); closing it alone, crediting nothing",
          f.receiptId(),
          refused);
      if (certSha != null) {
        // The node signed a claim above what it can have run: the receipt is the evidence.
        writer.append(
            ReceiptEntries.overClaimed(
                signed, certSha, f, now, epoch, "receipt refused: " + refused));
        metrics.ledgerEntries.labelValues("leader-only").inc();
        verdicts().quarantine(f.node(), "over-claim: " + refused.detail(), now, epoch);
      } else {
        leaderOnly(f, now, epoch, "receipt refused: " + refused);
      }
      return false;
    }
    writer.append(ReceiptEntries.dualSigned(signed, certSha, f, now, epoch, held));
    metrics.ledgerEntries.labelValues("receipt").inc();
    return true;
  }

  /** The entries about nodes: verdicts, quarantines, refused updates, governance decisions. */
  NodeVerdicts verdicts() {
    return new NodeVerdicts(writer, metrics);
  }

  /** Closes an attempt without the agent (its node is lost, or it was superseded first). */
  void closeLeaderOnly(JobEntry e, ShardRecord s, long now, long epoch, String note) {
    if (s.attempt() < 1 || s.node().isEmpty() || s.placedAtMs() <= 0) {
      return;
    }
    AttemptFacts f = facts(e, s, List.of());
    if (!writer.book().closed(f.receiptId())) {
      leaderOnly(f, now, epoch, note);
    }
  }

  private void leaderOnly(AttemptFacts f, long now, long epoch, String note) {
    writer.append(ReceiptEntries.leaderOnly(f, now, epoch, note));
    metrics.ledgerEntries.labelValues("leader-only").inc();
  }

  /** Logs where a succeeded training job's model came from and who paid for it. */
  void provenance(JobRecord job, long now) {
    if (job.state() != JobState.SUCCEEDED || !"training".equals(job.spec().kind())) {
      return;
    }
    TrainingRecord t = job.training();
    if (t == null || t.checkpoint() == null) {
      return;
    }
    JobSpec spec = job.spec();
    ProvenanceEntry.Builder p =
        ProvenanceEntry.newBuilder()
            .setJobId(job.id())
            .setModelSha256(t.checkpoint().sha256())
            .setModelSizeBytes(t.checkpoint().sizeBytes())
            .setRunner("djl-training")
            .setArchitecture(spec.parameters().getOrDefault("model", ""))
            .putAllArchitectureParameters(new TreeMap<>(spec.parameters()))
            .setRounds(t.lastRound())
            .setChargedNation(job.nation())
            .setAtUnixMs(now);
    for (int i = 0; i < spec.data().size(); i++) {
      JobSpec.ArtifactRef d = spec.data().get(i);
      p.addData(
          PartitionDigest.newBuilder()
              .setShard(i)
              .setSha256(d.sha256())
              .setJurisdiction(d.jurisdiction() == null ? "" : d.jurisdiction()));
    }
    Map<String, Long> byNation = new TreeMap<>();
    Map<String, Long> cpuByNation = new TreeMap<>();
    for (Observation o : writer.book().receiptsOf(job.id())) {
      p.addReceiptIds(o.getReceiptId());
      byNation.merge(o.getNodeNation(), o.getCreditedGpuMs(), Math::addExact);
      cpuByNation.merge(o.getNodeNation(), o.getCreditedCpuMs(), Math::addExact);
    }
    byNation.values().removeIf(v -> v == 0);
    cpuByNation.values().removeIf(v -> v == 0);
    p.putAllGpuMsByNation(byNation);
    p.putAllCpuMsByNation(cpuByNation);
    writer.append(LedgerEntry.newBuilder().setProvenance(p).build());
    metrics.ledgerEntries.labelValues("provenance").inc();
  }

  /** Logs one pass's placements and preemptions with the policy in force. */
  void scheduling(
      List<PlacementDecision> decisions, SchedulingSettings settings, long now, long epoch) {
    if (decisions.isEmpty()) {
      return;
    }
    String policy = new String(Json.write(policyOf(settings)), StandardCharsets.UTF_8);
    writer.append(
        LedgerEntry.newBuilder()
            .setScheduling(
                SchedulingEntry.newBuilder()
                    .setAtUnixMs(now)
                    .setEpoch(epoch)
                    .setPolicyJson(policy)
                    .setPolicySha256(
                        ByteString.copyFrom(
                            Sha256.newDigest().digest(policy.getBytes(StandardCharsets.UTF_8))))
                    .addAllPlacements(decisions))
            .build());
    metrics.ledgerEntries.labelValues("scheduling").inc();
  }

  /** The settings a pass decides by, in a stable form. */
  static Map<String, Object> policyOf(SchedulingSettings s) {
    Map<String, Object> p = new TreeMap<>();
    p.put("quotas", s.quotas());
    p.put("halfLifeMs", s.halfLife().toMillis());
    p.put("fairShareWeights", "ledger-contributions");
    return p;
  }

  /**
   * Seals what the pass appended and adds the writes to the batch, then a checkpoint when one is
   * due. Everything added before {@code afterCommit} is committed first.
   */
  void commit(WriteBatch batch, long epoch, long now) throws Exception {
    // One transaction for the pass's entries and their seal: a log never ends unsealed, so a new
    // leader can refuse any stored log that does (LedgerBook.replay).
    List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
    int bytes = 0;
    for (LedgerWriter.OpGroup g : writer.seal(epoch, now)) {
      ops.addAll(g.ops());
      bytes += g.bytes();
    }
    if (!ops.isEmpty()) {
      batch.add(ops, bytes, null);
    }
    LedgerBook book = writer.book();
    if (book.sealed()
        && book.size() != lastCheckpointSize
        && now - lastCheckpointAt >= checkpointEveryMs) {
      CheckpointBody body =
          CheckpointBody.newBuilder()
              .setVersion(1)
              .setLogId(logId)
              .setTreeSize(book.size())
              .setRootHash(ByteString.copyFrom(book.tree().root()))
              .setAtUnixMs(now)
              .setEpoch(epoch)
              .build();
      byte[] b = body.toByteArray();
      byte[] data =
          SignedCheckpoint.newBuilder()
              .setBody(ByteString.copyFrom(b))
              .setSignature(
                  ByteString.copyFrom(Signatures.sign(keys.privateKey(), Signatures.CHECKPOINT, b)))
              .setCertificate(ByteString.copyFrom(keys.certificate().getEncoded()))
              .build()
              .toByteArray();
      long size = book.size();
      batch.add(
          List.of(
              writer
                  .store()
                  .zk()
                  .transactionOp()
                  .setData()
                  .forPath(ZkPaths.LEDGER_CHECKPOINT, data)),
          data.length,
          null);
      lastCheckpointSize = size;
      lastCheckpointAt = now;
    }
  }

  /** A placement or preemption of the shard, for the pass's scheduling entry. */
  static PlacementDecision decision(JobEntry e, ShardRecord s, String action) {
    return PlacementDecision.newBuilder()
        .setJobId(e.job.id())
        .setShard(s.index())
        .setAttempt(s.attempt())
        .setNode(s.node())
        .setChargedNation(e.job.nation())
        .setGpus(e.job.spec().resources().gpus())
        .setAction(action)
        .build();
  }
}
