package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.ledger.Accounts;
import org.entente.coordinator.ledger.CheckpointCheck;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.ProofCheck;
import org.entente.coordinator.ledger.ReceiptIds;
import org.entente.coordinator.logstore.LedgerLogId;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CheckpointStatus;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.EntriesChunk;
import org.entente.proto.v1.GetCheckpointRequest;
import org.entente.proto.v1.GetEntriesRequest;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.GetProofRequest;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.LedgerServiceGrpc;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.SealBody;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contribution ledger in a real federation: raw agents sign usage receipts as a node agent does
 * ({@code ReceiptSigner}), the leader closes every attempt once in fenced ZooKeeper blocks, the
 * three nations' witnesses cosign its checkpoints, and the log is checked afterwards the way an
 * auditor does, with only the trust bundle ({@link LogVerifier}, {@link CheckpointCheck}, {@link
 * ProofCheck}). The static helpers are shared with {@link LedgerAttackTest}.
 */
class LedgerFlowTest {
  static final Set<String> ALL = Set.of("DE", "FR", "JP");
  private static final AtomicLong SEQUENCE = new AtomicLong(System.currentTimeMillis() * 1000);

  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  @Test
  void finishedJob_closesEachAttemptWithASealedReceipt_cosignedByAllNations() throws Exception {
    JobFederation fed = JobFederation.start(f, "receipts", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial deKeys = f.node("DE", "gpu-1");
    KeyMaterial jpKeys = f.node("JP", "gpu-1");
    RawAgent de = fed.node("DE", "gpu-1");
    RawAgent jp = fed.node("JP", "gpu-1");
    String id = fed.submit("FR", JobFlowTest.spec("paid-by-fr", 2, 1));
    ShardAssignment onDe = awaitAnyAssignment(de, id);
    ShardAssignment onJp = awaitAnyAssignment(jp, id);
    assertThat(List.of(onDe.getShard(), onJp.getShard())).containsExactlyInAnyOrder(0, 1);
    UsageReceipt deReceipt = receipt(deKeys, onDe, "SUCCEEDED").build();
    UsageReceipt jpReceipt = receipt(jpKeys, onJp, "SUCCEEDED").build();
    succeed(de, onDe, sign(deKeys, deReceipt));
    succeed(jp, onJp, sign(jpKeys, jpReceipt));
    awaitJob(fed, "FR", id, "SUCCEEDED");

    List<byte[]> entries = stored(zk);
    LogVerifier v = verify(entries, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    assertThat(closuresOfJob(entries, id)).hasSize(2);
    for (var sent : Map.of(onDe, deReceipt, onJp, jpReceipt).entrySet()) {
      UsageReceipt r = sent.getValue();
      String rid = receiptId(sent.getKey());
      List<ReceiptEntry> closed = closures(entries, rid);
      assertThat(closed).hasSize(1);
      assertThat(closed.get(0).getObserved().getLeaderOnly()).isFalse();
      assertThat(closed.get(0).getObserved().getCreditedGpuMs()).isEqualTo(r.getGpuMs());
      assertThat(closed.get(0).getAgentBody()).isEqualTo(r.toByteString());
      // The leader logs the signature's nonce point, so audits verify receipts in batches.
      KeyMaterial signer = sent.getKey() == onDe ? deKeys : jpKeys;
      assertThat(closed.get(0).getAgentSignatureNonce().toByteArray())
          .hasSize(65)
          .isEqualTo(
              Signatures.verifyRecovering(
                      signer.certificate().getPublicKey(),
                      Signatures.RECEIPT,
                      r.toByteArray(),
                      closed.get(0).getAgentSignature().toByteArray())
                  .nonce());
      long at = v.receiptIndex(rid);
      assertThat(v.sealOf(at)).isNotNull().isGreaterThan(at);
      assertThat(LedgerEntry.parseFrom(entries.get(v.sealOf(at).intValue())).hasSeal()).isTrue();
    }
    assertThat(v.sealedUpTo()).isEqualTo(entries.size());
    assertThat(v.receiptsCounted()).isEqualTo(2);
    Accounts accounts = v.accounts();
    assertThat(accounts.nation("DE").contributedGpuMs()).isEqualTo(deReceipt.getGpuMs());
    assertThat(accounts.nation("JP").contributedGpuMs()).isEqualTo(jpReceipt.getGpuMs());
    assertThat(accounts.nation("FR").contributedGpuMs()).isZero();
    assertThat(accounts.nation("FR").consumedGpuMs())
        .isEqualTo(deReceipt.getGpuMs() + jpReceipt.getGpuMs());
    assertThat(accounts.nation("DE").consumedGpuMs()).isZero();
    assertThat(accounts.nation("JP").consumedGpuMs()).isZero();
    assertThat(accounts.cpu("DE").contributedCpuMs()).isEqualTo(deReceipt.getCpuMs());
    assertThat(accounts.cpu("FR").consumedCpuMs())
        .isEqualTo(deReceipt.getCpuMs() + jpReceipt.getCpuMs());

    CosignedCheckpoint cosigned = awaitCosigned(zk, entries.size(), ALL);
    CheckpointCheck.Result check =
        CheckpointCheck.check(cosigned, f.pki().bundle(), LedgerLogId.read(zk));
    assertThat(check.counts()).isTrue();
    assertThat(check.cosigners()).containsExactlyInAnyOrderElementsOf(ALL);
    assertThat(check.body().getTreeSize()).isEqualTo(entries.size());
    assertThat(check.body().getRootHash().toByteArray()).isEqualTo(v.tree().root());
    SignedCheckpoint latest =
        SignedCheckpoint.parseFrom(zk.getData().forPath(ZkPaths.LEDGER_CHECKPOINT));
    assertThat(latest.getBody()).isEqualTo(cosigned.getCheckpoint().getBody());
    for (String nation : ALL) {
      CosignedCheckpoint mine =
          CosignedCheckpoint.parseFrom(zk.getData().forPath(ZkPaths.cosignature(nation)));
      assertThat(mine.getCheckpoint().getBody()).isEqualTo(latest.getBody());
    }
    // An auditor reads the same log over LedgerService from any replica.
    assertThat(bytes(entriesOverGrpc(fed.replica("JP")))).isEqualTo(bytes(entries));
    CheckpointStatus status =
        ledger(fed.replica("DE")).getCheckpoint(GetCheckpointRequest.getDefaultInstance());
    assertThat(status.getTreeSize()).isEqualTo(entries.size());
    assertThat(status.getWitnessAlarmsList()).isEmpty();
  }

  @Test
  void reportAck_reachesTheAgentOnlyOnceItsReceiptIsInZooKeeper() throws Exception {
    JobFederation fed = JobFederation.start(f, "ack", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    String leaderNation = fed.nationOf(fed.leader());
    String followerNation = fed.anyOtherNation(fed.leader());
    // One node reports to the leader itself, the other through a replica that forwards.
    for (String nation : List.of(leaderNation, followerNation)) {
      KeyMaterial keys = f.node(nation, "gpu-1");
      RawAgent agent = fed.node(nation, "gpu-1");
      String id =
          fed.submit(
              "DE", JobFlowTest.spec("ack-" + nation.toLowerCase(java.util.Locale.ROOT), 1, 1));
      ShardAssignment a = agent.awaitAssignment(id, 0);
      SignedReceipt r = sign(keys, receipt(keys, a, "SUCCEEDED").build());
      agent.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_SUCCEEDED, "ok", r);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> agent.acksOf(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_SUCCEEDED) > 0);
      // Read at once, with no waiting: the acknowledged receipt must be in ZooKeeper already.
      List<ReceiptEntry> closed = closures(stored(zk), receiptId(a));
      assertThat(closed).as("receipt of a report acknowledged via %s", nation).hasSize(1);
      assertThat(closed.get(0).getAgentBody()).isEqualTo(r.getBody());
      agent.close();
    }
  }

  @Test
  void resentOrReplacedReceipt_forAClosedAttempt_addsNoEntry() throws Exception {
    JobFederation fed = JobFederation.start(f, "resend", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent agent = fed.node("DE", "gpu-1");
    String id = fed.submit("FR", JobFlowTest.spec("once", 1, 1));
    ShardAssignment a = agent.awaitAssignment(id, 0);
    SignedReceipt first = sign(keys, receipt(keys, a, "SUCCEEDED").build());
    succeed(agent, a, first);
    List<byte[]> before = stored(zk);

    // The same report twice, then a new receipt (next sequence, another claim) for the same
    // attempt.
    succeed(agent, a, first);
    succeed(agent, a, sign(keys, receipt(keys, a, "SUCCEEDED").setGpuMs(1).build()));
    // The agent reconnects to another replica and resends the unacknowledged report on Register.
    agent.close();
    RawAgent again = f.agent(fed.replica("JP"), keys);
    again
        .send(
            AgentMessage.newBuilder()
                .setRegister(
                    Register.newBuilder()
                        .setNation("DE")
                        .setName("gpu-1")
                        .setResources(RawAgent.defaultResources())
                        .addShards(
                            ShardReport.newBuilder()
                                .setJobId(id)
                                .setShard(0)
                                .setAttempt(a.getAttempt())
                                .setPhase(ShardPhase.SHARD_PHASE_SUCCEEDED)
                                .setReceipt(first)))
                .build())
        .awaitRegistered();
    awaitAck(again, a, ShardPhase.SHARD_PHASE_SUCCEEDED, 1);

    List<byte[]> after = stored(zk);
    assertThat(bytes(after)).isEqualTo(bytes(before));
    List<ReceiptEntry> closed = closures(after, receiptId(a));
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).getAgentBody()).isEqualTo(first.getBody());
    assertThat(verify(after, f.pki().bundle()).problems()).isEmpty();
    assertThat(job(fed, "DE", id).getShards(0).getState()).isEqualTo("SUCCEEDED");
  }

  @Test
  void lostNode_attemptIsClosedByTheLeaderAlone_creditingNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "lost", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    RawAgent first = fed.node("DE", "gpu-1");
    String id = fed.submit("FR", JobFlowTest.spec("survivor", 1, 1));
    ShardAssignment a = first.awaitAssignment(id, 0);
    first.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, "FR", id, "RUNNING");
    long closedAt = CoordinatorFixture.CLOCK.millis();
    first.close();

    ReceiptEntry lost = awaitClosure(zk, receiptId(a));
    assertThat(lost.getObserved().getLeaderOnly()).isTrue();
    assertThat(lost.getObserved().getCreditedGpuMs()).isZero();
    assertThat(lost.getAgentBody().isEmpty()).isTrue();
    assertThat(lost.getObserved().getNote()).contains("node lost");
    assertThat(lost.getObserved().getObservedEndUnixMs() - closedAt)
        .as("closed only after lostNodeGrace (1500 ms)")
        .isGreaterThanOrEqualTo(1500);
    JobStatus requeued = job(fed, "FR", id);
    assertThat(requeued.getShards(0).getState()).isIn("REQUEUED", "PENDING");
    assertThat(requeued.getShards(0).getRetries()).isEqualTo(1);

    // It runs elsewhere, and that attempt is credited.
    KeyMaterial jpKeys = f.node("JP", "gpu-2");
    RawAgent second = fed.node("JP", "gpu-2");
    ShardAssignment b = second.awaitAssignment(id, 0);
    assertThat(b.getAttempt()).isEqualTo(a.getAttempt() + 1);
    UsageReceipt r = receipt(jpKeys, b, "SUCCEEDED").build();
    succeed(second, b, sign(jpKeys, r));
    awaitJob(fed, "FR", id, "SUCCEEDED");

    // The lost node comes back with its receipt for the old attempt: it credits nothing.
    KeyMaterial deKeys = f.node("DE", "gpu-1");
    RawAgent back = f.agent(fed.replica("DE"), deKeys);
    back.register("DE", "gpu-1").awaitRegistered();
    back.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    succeed(back, a, sign(deKeys, receipt(deKeys, a, "SUCCEEDED").build()));

    List<byte[]> entries = stored(zk);
    assertThat(closures(entries, receiptId(a))).hasSize(1);
    LogVerifier v = verify(entries, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.accounts().nation("JP").contributedGpuMs()).isEqualTo(r.getGpuMs());
    assertThat(v.accounts().nation("FR").consumedGpuMs()).isEqualTo(r.getGpuMs());
  }

  @Test
  void reportWithoutReceipt_closesTheAttemptByTheLeaderAlone_creditingNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "noreceipt", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    RawAgent agent = fed.node("DE", "gpu-1");
    String id = fed.submit("JP", JobFlowTest.spec("unsigned", 1, 1));
    ShardAssignment a = agent.awaitAssignment(id, 0);
    agent.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_SUCCEEDED, "ok");
    awaitAck(agent, a, ShardPhase.SHARD_PHASE_SUCCEEDED, 1);

    List<byte[]> entries = stored(zk);
    List<ReceiptEntry> closed = closures(entries, receiptId(a));
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).getObserved().getLeaderOnly()).isTrue();
    assertThat(closed.get(0).getObserved().getCreditedGpuMs()).isZero();
    assertThat(closed.get(0).getObserved().getNote()).contains("no receipt");
    LogVerifier v = verify(entries, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.accounts().nation("JP").consumedGpuMs()).isZero();
  }

  @Test
  void leaderFailover_theNewLeaderContinuesTheSameLog() throws Exception {
    JobFederation fed = JobFederation.start(f, "ledger-failover", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    Coordinator old = fed.leader();
    String survivor = fed.anyOtherNation(old);
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent agent =
        fed.nodeVia(survivor, "DE", "gpu-1", RawAgent.defaultResources(), (x, m) -> {});
    String first = fed.submit(survivor, JobFlowTest.spec("before", 1, 1));
    ShardAssignment a = agent.awaitAssignment(first, 0);
    UsageReceipt r1 = receipt(keys, a, "SUCCEEDED").build();
    succeed(agent, a, sign(keys, r1));
    awaitJob(fed, survivor, first, "SUCCEEDED");
    List<byte[]> before = stored(zk);
    long cosignedBefore = size(awaitCosigned(zk, before.size(), Set.of()));

    fed.stop(old);
    Coordinator next = fed.awaitNewLeader(old);
    assertThat(next).isNotSameAs(old);
    String second = fed.submit(survivor, JobFlowTest.spec("after", 1, 1));
    ShardAssignment b = agent.awaitAssignment(second, 0);
    assertThat(b.getEpoch()).isGreaterThan(a.getEpoch());
    UsageReceipt r2 = receipt(keys, b, "SUCCEEDED").build();
    succeed(agent, b, sign(keys, r2));
    awaitJob(fed, survivor, second, "SUCCEEDED");

    List<byte[]> after = stored(zk);
    assertThat(after.size()).isGreaterThan(before.size());
    assertThat(bytes(after.subList(0, before.size()))).isEqualTo(bytes(before));
    LogVerifier v = verify(after, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    assertThat(v.receiptsCounted()).isEqualTo(2);
    assertThat(v.accounts().nation("DE").contributedGpuMs())
        .isEqualTo(r1.getGpuMs() + r2.getGpuMs());
    SealBody sealBefore = sealOf(after, v, receiptId(a));
    SealBody sealAfter = sealOf(after, v, receiptId(b));
    assertThat(sealAfter.getEpoch()).isGreaterThan(sealBefore.getEpoch());
    assertThat(sealAfter.getLeaderCertificateSha256())
        .isNotEqualTo(sealBefore.getLeaderCertificateSha256());
    // The two surviving witnesses are a majority: the cosigned size keeps growing.
    CosignedCheckpoint cosigned = awaitCosigned(zk, after.size(), Set.of());
    assertThat(size(cosigned)).isGreaterThan(cosignedBefore).isEqualTo(after.size());
    assertThat(body(cosigned).getRootHash().toByteArray()).isEqualTo(v.tree().root());
  }

  @Test
  void getProof_forAReceipt_verifiesOffline_andAnUnknownIdIsNotFound() throws Exception {
    JobFederation fed = JobFederation.start(f, "proof", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial keys = f.node("FR", "gpu-1");
    RawAgent agent = fed.node("FR", "gpu-1");
    String id = fed.submit("DE", JobFlowTest.spec("proven", 1, 1));
    ShardAssignment a = agent.awaitAssignment(id, 0);
    UsageReceipt r = receipt(keys, a, "SUCCEEDED").build();
    succeed(agent, a, sign(keys, r));
    awaitJob(fed, "DE", id, "SUCCEEDED");
    awaitCosigned(zk, stored(zk).size(), Set.of());

    InclusionProof proof =
        ledger(fed.replica("JP"))
            .getProof(GetProofRequest.newBuilder().setReceiptId(receiptId(a)).build());
    ProofCheck.Result check = ProofCheck.verify(proof, f.pki().bundle());
    assertThat(check.problems()).isEmpty();
    assertThat(check.entry().getReceipt().getObserved().getReceiptId()).isEqualTo(receiptId(a));
    assertThat(check.entry().getReceipt().getObserved().getCreditedGpuMs()).isEqualTo(r.getGpuMs());
    assertThat(check.entry().getReceipt().getAgentBody()).isEqualTo(r.toByteString());
    // The same proof with the credit doctored does not verify.
    LedgerEntry e = check.entry();
    LedgerEntry inflated =
        e.toBuilder()
            .setReceipt(
                e.getReceipt().toBuilder()
                    .setObserved(
                        e.getReceipt().getObserved().toBuilder()
                            .setCreditedGpuMs(r.getGpuMs() + 1)))
            .build();
    assertThat(
            ProofCheck.verify(
                    proof.toBuilder().setEntry(inflated.toByteString()).build(), f.pki().bundle())
                .valid())
        .isFalse();

    assertThatThrownBy(
            () ->
                ledger(fed.replica("FR"))
                    .getProof(GetProofRequest.newBuilder().setReceiptId("j9-999/0#1").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            ex -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  // ---------------------------------------------------------------- receipts

  /**
   * The receipt a node agent signs for an attempt that ran from its placement until now, as {@code
   * ReceiptSigner} builds it (the test may alter it before signing).
   */
  static UsageReceipt.Builder receipt(KeyMaterial node, ShardAssignment a, String phase) {
    Identity me = node.identity();
    long start = a.getPlacedAtUnixMs();
    long end = Math.max(start, CoordinatorFixture.CLOCK.millis());
    int gpus = a.getResources().getGpus();
    return UsageReceipt.newBuilder()
        .setVersion(1)
        .setJobId(a.getJobId())
        .setShard(a.getShard())
        .setAttempt(a.getAttempt())
        .setNode(me.nation() + "/" + me.name())
        .setNodeNation(me.nation())
        .setChargedNation(a.getNation())
        .setGpus(gpus)
        .setStartUnixMs(start)
        .setEndUnixMs(end)
        .setGpuMs(Math.multiplyExact(end - start, (long) gpus))
        .setSequence(SEQUENCE.incrementAndGet())
        .setExpiresUnixMs(end + Duration.ofDays(7).toMillis())
        .setPhase(phase)
        .setCpus(a.getResources().getCpus())
        .setCpuMs(Math.multiplyExact(end - start, (long) a.getResources().getCpus()));
  }

  /** {@code r} signed with {@code signer}'s key and carrying its certificate. */
  static SignedReceipt sign(KeyMaterial signer, UsageReceipt r) {
    byte[] body = r.toByteArray();
    try {
      return SignedReceipt.newBuilder()
          .setBody(ByteString.copyFrom(body))
          .setSignature(
              ByteString.copyFrom(Signatures.sign(signer.privateKey(), Signatures.RECEIPT, body)))
          .setCertificate(ByteString.copyFrom(signer.certificate().getEncoded()))
          .build();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String receiptId(ShardAssignment a) {
    return ReceiptIds.of(a.getJobId(), a.getShard(), a.getAttempt());
  }

  /** Reports the attempt SUCCEEDED with {@code receipt} and waits for that report's next ack. */
  static void succeed(RawAgent agent, ShardAssignment a, SignedReceipt receipt) {
    long acked = agent.acksOf(a.getJobId(), a.getShard(), a.getAttempt(), success());
    agent.report(a.getJobId(), a.getShard(), a.getAttempt(), success(), "ok", receipt);
    awaitAck(agent, a, success(), acked + 1);
  }

  private static ShardPhase success() {
    return ShardPhase.SHARD_PHASE_SUCCEEDED;
  }

  static void awaitAck(RawAgent agent, ShardAssignment a, ShardPhase phase, long count) {
    await()
        .atMost(Duration.ofSeconds(10))
        .alias("ack " + count + " of " + receiptId(a) + " " + phase)
        .until(() -> agent.acksOf(a.getJobId(), a.getShard(), a.getAttempt(), phase) >= count);
  }

  /** The assignment of any shard of the job that reaches this agent. */
  static ShardAssignment awaitAnyAssignment(RawAgent agent, String jobId) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .alias("an assignment of " + jobId)
        .until(
            () ->
                agent.assignments().stream()
                    .filter(x -> x.getJobId().equals(jobId))
                    .findFirst()
                    .orElse(null),
            x -> x != null);
  }

  // ---------------------------------------------------------------- jobs

  static JobStatus job(JobFederation fed, String via, String id) {
    return fed.jobs(via).getJob(GetJobRequest.newBuilder().setJobId(id).build());
  }

  static JobStatus awaitJob(JobFederation fed, String via, String id, String state) {
    await()
        .atMost(Duration.ofSeconds(15))
        .alias(id + " " + state)
        .until(() -> job(fed, via, id).getSummary().getState().equals(state));
    return job(fed, via, id);
  }

  // ---------------------------------------------------------------- the log

  /** Every entry of the stored log (ZooKeeper), as its head says now. */
  static List<byte[]> stored(CuratorFramework zk) throws Exception {
    LedgerStore store = new LedgerStore(zk);
    for (int tries = 1; ; tries++) {
      try {
        return store.readAll();
      } catch (IllegalStateException e) {
        // readAll reads the head, then the blocks: the leader appended in between. Read again.
        if (tries == 20) {
          throw e;
        }
      }
    }
  }

  /** The receipt entries that close {@code receiptId}, in log order. */
  static List<ReceiptEntry> closures(List<byte[]> entries, String receiptId) {
    return receipts(entries).stream()
        .filter(r -> r.getObserved().getReceiptId().equals(receiptId))
        .toList();
  }

  static List<ReceiptEntry> closuresOfJob(List<byte[]> entries, String jobId) {
    return receipts(entries).stream()
        .filter(r -> r.getObserved().getJobId().equals(jobId))
        .toList();
  }

  private static List<ReceiptEntry> receipts(List<byte[]> entries) {
    List<ReceiptEntry> out = new ArrayList<>();
    for (byte[] data : entries) {
      try {
        LedgerEntry e = LedgerEntry.parseFrom(data);
        if (e.hasReceipt()) {
          out.add(e.getReceipt());
        }
      } catch (InvalidProtocolBufferException ex) {
        // not a receipt; the verifier names it
      }
    }
    return out;
  }

  /** The index of the first entry closing {@code receiptId}, or -1. */
  static int indexOf(List<byte[]> entries, String receiptId) throws Exception {
    for (int i = 0; i < entries.size(); i++) {
      LedgerEntry e = LedgerEntry.parseFrom(entries.get(i));
      if (e.hasReceipt() && e.getReceipt().getObserved().getReceiptId().equals(receiptId)) {
        return i;
      }
    }
    return -1;
  }

  static ReceiptEntry awaitClosure(CuratorFramework zk, String receiptId) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .alias("closure of " + receiptId)
        .until(() -> closures(stored(zk), receiptId), l -> !l.isEmpty())
        .get(0);
  }

  /** Checks the entries as an auditor does, with only the trust bundle. */
  static LogVerifier verify(List<byte[]> entries, TrustBundle bundle) {
    LogVerifier v = new LogVerifier(bundle);
    for (int i = 0; i < entries.size(); i++) {
      v.accept(i, entries.get(i));
    }
    v.finish(1);
    return v;
  }

  private static SealBody sealOf(List<byte[]> entries, LogVerifier v, String receiptId)
      throws Exception {
    long seal = v.sealOf(v.receiptIndex(receiptId));
    return SealBody.parseFrom(LedgerEntry.parseFrom(entries.get((int) seal)).getSeal().getBody());
  }

  static List<ByteString> bytes(List<byte[]> entries) {
    return entries.stream().map(ByteString::copyFrom).toList();
  }

  // ---------------------------------------------------------------- checkpoints

  static CheckpointBody body(CosignedCheckpoint c) throws InvalidProtocolBufferException {
    return CheckpointBody.parseFrom(c.getCheckpoint().getBody());
  }

  static long size(CosignedCheckpoint c) throws InvalidProtocolBufferException {
    return body(c).getTreeSize();
  }

  /** {@code path}'s checkpoint, or null when there is none. */
  static CosignedCheckpoint readCosigned(CuratorFramework zk, String path) throws Exception {
    try {
      byte[] data = zk.getData().forPath(path);
      return data.length == 0 ? null : CosignedCheckpoint.parseFrom(data);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  /** Tree size of {@code /ledger/checkpoints/cosigned} (0 when none). */
  static long cosignedSize(CuratorFramework zk) throws Exception {
    CosignedCheckpoint c = readCosigned(zk, ZkPaths.LEDGER_COSIGNED);
    return c == null ? 0 : size(c);
  }

  /** Tree size of the leader's latest checkpoint (0 when none). */
  static long latestSize(CuratorFramework zk) throws Exception {
    byte[] data = zk.getData().forPath(ZkPaths.LEDGER_CHECKPOINT);
    return data.length == 0
        ? 0
        : CheckpointBody.parseFrom(SignedCheckpoint.parseFrom(data).getBody()).getTreeSize();
  }

  /**
   * Waits until the published cosigned checkpoint covers at least {@code minSize} entries, counts
   * by {@link CheckpointCheck} against {@code bundle}, and is cosigned by at least {@code nations}.
   */
  static CosignedCheckpoint awaitCosigned(
      CuratorFramework zk, TrustBundle bundle, long minSize, Set<String> nations) {
    return await()
        .atMost(Duration.ofSeconds(15))
        .alias("a checkpoint of " + minSize + "+ entries cosigned by " + nations)
        .until(
            () -> {
              CosignedCheckpoint c = readCosigned(zk, ZkPaths.LEDGER_COSIGNED);
              if (c == null || size(c) < minSize) {
                return null;
              }
              CheckpointCheck.Result r = CheckpointCheck.check(c, bundle, LedgerLogId.read(zk));
              return r.counts() && r.cosigners().containsAll(nations) ? c : null;
            },
            c -> c != null);
  }

  private static CosignedCheckpoint awaitCosigned(
      CuratorFramework zk, long minSize, Set<String> nations) {
    return awaitCosigned(zk, f.pki().bundle(), minSize, nations);
  }

  // ---------------------------------------------------------------- LedgerService

  /** LedgerService of replica {@code c}, as an auditor of that replica's own nation. */
  static LedgerServiceGrpc.LedgerServiceBlockingStub ledger(
      CoordinatorFixture fx, Coordinator c, String nation) {
    return LedgerServiceGrpc.newBlockingStub(
            fx.channel(c, fx.keys(nation, Role.AUDITOR, "auditor-1")))
        .withDeadlineAfter(CoordinatorFixture.CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static LedgerServiceGrpc.LedgerServiceBlockingStub ledger(Coordinator c) {
    return ledger(f, c, "JP");
  }

  private static List<byte[]> entriesOverGrpc(Coordinator c) {
    List<byte[]> out = new ArrayList<>();
    Iterator<EntriesChunk> chunks = ledger(c).getEntries(GetEntriesRequest.getDefaultInstance());
    while (chunks.hasNext()) {
      EntriesChunk chunk = chunks.next();
      assertThat(chunk.getFirstIndex()).isEqualTo(out.size());
      chunk.getEntriesList().forEach(e -> out.add(e.toByteArray()));
    }
    return out;
  }
}
