package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.entente.coordinator.LedgerFlowTest.awaitAck;
import static org.entente.coordinator.LedgerFlowTest.awaitJob;
import static org.entente.coordinator.LedgerFlowTest.body;
import static org.entente.coordinator.LedgerFlowTest.closures;
import static org.entente.coordinator.LedgerFlowTest.cosignedSize;
import static org.entente.coordinator.LedgerFlowTest.indexOf;
import static org.entente.coordinator.LedgerFlowTest.job;
import static org.entente.coordinator.LedgerFlowTest.latestSize;
import static org.entente.coordinator.LedgerFlowTest.readCosigned;
import static org.entente.coordinator.LedgerFlowTest.receipt;
import static org.entente.coordinator.LedgerFlowTest.receiptId;
import static org.entente.coordinator.LedgerFlowTest.sign;
import static org.entente.coordinator.LedgerFlowTest.size;
import static org.entente.coordinator.LedgerFlowTest.stored;
import static org.entente.coordinator.LedgerFlowTest.succeed;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.Problem;
import org.entente.coordinator.logstore.LedgerHead;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.GetCheckpointRequest;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardOutput;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.KeyMaterial;
import org.entente.security.TrustBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the contribution ledger in a real federation, each of which must be caught: forged or
 * inflated receipts (the leader refuses them and credits nothing), reports on work a node never
 * ran, and edits of the stored log in ZooKeeper behind the leader's back (the witnesses refuse to
 * cosign, and an auditor's {@link LogVerifier} names the entry).
 */
class LedgerAttackTest {
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  // ---------------------------------------------------------------- forged receipts

  @Test
  void receiptSignedByAnotherNationsNode_isRefused_andCreditsNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "signer", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial french = f.node("FR", "gpu-7");
    RawAgent de = fed.node("DE", "gpu-1");
    String id = fed.submit("JP", JobFlowTest.spec("forged", 1, 1));
    ShardAssignment a = de.awaitAssignment(id, 0);
    // A receipt naming the DE node, but signed with a (valid) French node's key.
    UsageReceipt r =
        receipt(french, a, "SUCCEEDED").setNode("DE/gpu-1").setNodeNation("DE").build();
    succeed(de, a, sign(french, r));

    ReceiptEntry closed = onlyClosure(zk, receiptId(a));
    assertThat(closed.getObserved().getLeaderOnly()).isTrue();
    assertThat(closed.getObserved().getCreditedGpuMs()).isZero();
    assertThat(closed.getAgentBody().isEmpty()).isTrue();
    assertThat(closed.getObserved().getNote()).contains("signer");
    assertThat(fed.leader().metrics().receiptsRefused.labelValues("signer").get()).isEqualTo(1);
    LogVerifier v = verified(zk);
    assertThat(v.problems()).isEmpty();
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.accounts().nation("FR").contributedGpuMs()).isZero();
    assertThat(v.accounts().nation("JP").consumedGpuMs()).isZero();
  }

  @Test
  void receiptClaimingMoreThanObservedWallTimeTimesGpus_isRefused_andTheNodeQuarantined()
      throws Exception {
    JobFederation fed = JobFederation.start(f, "overclaim", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent de = fed.node("DE", "gpu-1");
    String id = fed.submit("FR", JobFlowTest.spec("greedy", 1, 1));
    ShardAssignment a = de.awaitAssignment(id, 0);
    // Signed by the right node, internally consistent, but claiming an hour it did not run.
    UsageReceipt honest = receipt(keys, a, "SUCCEEDED").build();
    long hour = Duration.ofHours(1).toMillis();
    UsageReceipt r =
        honest.toBuilder()
            .setStartUnixMs(honest.getEndUnixMs() - hour)
            .setGpuMs(hour * a.getResources().getGpus())
            .build();
    succeed(de, a, sign(keys, r));

    ReceiptEntry closed = onlyClosure(zk, receiptId(a));
    assertThat(closed.getObserved().getLeaderOnly()).isTrue();
    assertThat(closed.getObserved().getCreditedGpuMs()).isZero();
    assertThat(closed.getObserved().getNote()).contains("over-claim");
    assertThat(fed.leader().metrics().receiptsRefused.labelValues("over-claim").get()).isEqualTo(1);
    // The node's own signed claim is logged as the evidence every auditor checks.
    assertThat(UsageReceipt.parseFrom(closed.getAgentBody()).getGpuMs()).isEqualTo(r.getGpuMs());
    LogVerifier v = verified(zk);
    assertThat(v.problems()).isEmpty();
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.tracks().quarantinedNodes()).containsExactly("DE/gpu-1");
    assertThat(v.tracks().of("DE/gpu-1").quarantine()).contains("over-claim");

    // Quarantined: its next shard waits rather than run there.
    String next = fed.submit("FR", JobFlowTest.spec("after", 1, 1));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> de.assignments().stream().noneMatch(x -> x.getJobId().equals(next)));
    assertThat(job(fed, "FR", next).getShards(0).getState()).isEqualTo("PENDING");
  }

  @Test
  void receiptForAnAttemptTheNodeNeverRan_creditsNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "neverran", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent de = fed.node("DE", "gpu-1");
    String id = fed.submit("FR", JobFlowTest.spec("real", 1, 1));
    ShardAssignment a = de.awaitAssignment(id, 0);
    de.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, "FR", id, "RUNNING");

    // A later attempt of its own shard, and a shard of a job that does not exist.
    ShardAssignment later = a.toBuilder().setAttempt(a.getAttempt() + 1).build();
    succeed(de, later, sign(keys, receipt(keys, later, "SUCCEEDED").build()));
    ShardAssignment invented = a.toBuilder().setJobId("j999-1").build();
    succeed(de, invented, sign(keys, receipt(keys, invented, "SUCCEEDED").build()));
    assertThat(closures(stored(zk), receiptId(later))).isEmpty();
    assertThat(closures(stored(zk), receiptId(invented))).isEmpty();
    assertThat(job(fed, "FR", id).getShards(0).getState()).isEqualTo("RUNNING");

    // Its real attempt's report carrying the receipt of the attempt it never ran.
    succeed(de, a, sign(keys, receipt(keys, later, "SUCCEEDED").build()));
    ReceiptEntry closed = onlyClosure(zk, receiptId(a));
    assertThat(closed.getObserved().getLeaderOnly()).isTrue();
    assertThat(closed.getObserved().getCreditedGpuMs()).isZero();
    assertThat(closed.getObserved().getNote())
        .contains("attempt: receipt names " + receiptId(later));

    List<byte[]> entries = stored(zk);
    assertThat(closures(entries, receiptId(later))).isEmpty();
    LogVerifier v = LedgerFlowTest.verify(entries, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    assertThat(v.receiptsCounted()).isEqualTo(1);
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
  }

  @Test
  void succeededReportWithAnOutputTheStoreDoesNotHold_failsTheAttempt() throws Exception {
    JobFederation fed = JobFederation.start(f, "nooutput", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent de = fed.node("DE", "gpu-1");
    String id = fed.submit("FR", JobFlowTest.spec("phantom", 1, 1));
    ShardAssignment a = de.awaitAssignment(id, 0);
    String missing = HexFormat.of().formatHex(new byte[32]).replace('0', 'a');
    de.report(
        ShardReport.newBuilder()
            .setJobId(id)
            .setShard(0)
            .setAttempt(a.getAttempt())
            .setPhase(ShardPhase.SHARD_PHASE_SUCCEEDED)
            .setOutput(ShardOutput.newBuilder().setSha256(missing).setSizeBytes(10).setRows(1))
            .setReceipt(sign(keys, receipt(keys, a, "SUCCEEDED").addOutputSha256(missing).build()))
            .build());
    awaitAck(de, a, ShardPhase.SHARD_PHASE_SUCCEEDED, 1);

    JobStatus s = job(fed, "FR", id);
    assertThat(s.getShards(0).getState()).isNotEqualTo("SUCCEEDED");
    assertThat(s.getShards(0).getRetries()).isEqualTo(1);
    assertThat(s.getShards(0).hasOutput()).isFalse();
    assertThat(s.getSummary().getState()).isNotEqualTo("SUCCEEDED");
    // It runs again, as after any failure.
    assertThat(de.awaitAssignmentAttempt(id, 0, a.getAttempt() + 1)).isNotNull();
    ReceiptEntry closed = onlyClosure(zk, receiptId(a));
    assertThat(closed.getObserved().getCreditedGpuMs()).isZero();
    assertThat(verified(zk).accounts().nation("DE").contributedGpuMs()).isZero();
  }

  @Test
  void nodeReportingOnAnotherNationsNodesShard_isIgnored() throws Exception {
    JobFederation fed = JobFederation.start(f, "impostor", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    KeyMaterial frKeys = f.node("FR", "gpu-1");
    KeyMaterial deKeys = f.node("DE", "gpu-1");
    RawAgent fr = fed.node("FR", "gpu-1");
    String id =
        fed.submit(
            "JP",
            JobFlowTest.spec("french", 1, 1).toBuilder()
                .setPlacement(PlacementRules.newBuilder().addJurisdictions("FR"))
                .build());
    ShardAssignment a = fr.awaitAssignment(id, 0);
    fr.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, "JP", id, "RUNNING");

    RawAgent de = fed.node("DE", "gpu-1");
    // With a receipt of its own, and with one naming the French node (still its own signature).
    succeed(de, a, sign(deKeys, receipt(deKeys, a, "SUCCEEDED").build()));
    succeed(
        de,
        a,
        sign(
            deKeys,
            receipt(deKeys, a, "SUCCEEDED").setNode("FR/gpu-1").setNodeNation("FR").build()));
    assertThat(closures(stored(zk), receiptId(a))).isEmpty();
    assertThat(job(fed, "JP", id).getShards(0).getState()).isEqualTo("RUNNING");

    UsageReceipt honest = receipt(frKeys, a, "SUCCEEDED").build();
    succeed(fr, a, sign(frKeys, honest));
    awaitJob(fed, "JP", id, "SUCCEEDED");
    ReceiptEntry closed = onlyClosure(zk, receiptId(a));
    assertThat(closed.getAgentBody()).isEqualTo(honest.toByteString());
    LogVerifier v = verified(zk);
    assertThat(v.problems()).isEmpty();
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.accounts().nation("FR").contributedGpuMs()).isEqualTo(honest.getGpuMs());
  }

  // ---------------------------------------------------------------- the stored log edited

  @Test
  void creditEditedInZooKeeperBeforeTheCheckpoint_raisesRootMismatch_andIsNotCosigned()
      throws Exception {
    JobFederation fed = JobFederation.start(f, "edit", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    Tampered t = tamperBeforeTheNextCheckpoint(fed, zk, LedgerAttackTest::inflateCredit);

    awaitAlarms(fed, "seal", "root-mismatch");
    assertThat(latestSize(zk)).as("the leader checkpointed the entry").isGreaterThan(t.index());
    assertThat(cosignedSize(zk)).isLessThanOrEqualTo(t.index());
    assertNoCosignatureCovers(zk, t.index());
    for (String n : JobFederation.NATIONS) {
      assertThat(
              fed.replica(n).metrics().witnessAlarms.labelValues("seal").get()
                  + fed.replica(n).metrics().witnessAlarms.labelValues("root-mismatch").get())
          .isGreaterThanOrEqualTo(1);
    }
    List<Problem> problems = verified(zk).problems();
    assertThat(problems).anySatisfy(p -> assertThat(p.index()).isEqualTo(t.index()));
    assertThat(problems).extracting(Problem::rule).contains("seal-digest");
  }

  /**
   * The same edit, but the federation keeps working. The leader's next block write is refused (the
   * edit moved the block's version), so it reloads the log from ZooKeeper, edit included, and its
   * next checkpoint names the edited tree: a witness that has not cosigned past the entry
   * recomputes the same root from the same stored entries and cosigns.
   */
  @Test
  void creditEditedInZooKeeper_theLeaderRefusesToExtendIt_andNothingCosignsIt() throws Exception {
    JobFederation fed = JobFederation.start(f, "launder", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    Tampered t = tamperBeforeTheNextCheckpoint(fed, zk, LedgerAttackTest::inflateCredit);

    // More work: the leader's next ledger write fails on the edited block; reloading, it finds
    // the entries no longer match their seal and refuses to lead on them, and so does every
    // replica after it: nobody extends, checkpoints or cosigns the edited log.
    SubmitJobRequest first =
        SubmitJobRequest.newBuilder()
            .setSpec(JobFlowTest.spec("first", 1, 1))
            .setNation("FR")
            .setRequestId(UUID.randomUUID().toString())
            .build();
    try {
      fed.jobs("FR").submitJob(first); // accepted or refused: either way the leader writes
    } catch (io.grpc.StatusRuntimeException refused) {
      // the write that met the edited block
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .alias("a replica refused to lead on the altered ledger")
        .until(
            () ->
                JobFederation.NATIONS.stream()
                        .mapToDouble(
                            n ->
                                fed.replica(n)
                                    .metrics()
                                    .witnessAlarms
                                    .labelValues("leader-refused")
                                    .get())
                        .sum()
                    >= 1);
    SubmitJobRequest more =
        SubmitJobRequest.newBuilder()
            .setSpec(JobFlowTest.spec("more", 1, 1))
            .setNation("FR")
            .setRequestId(UUID.randomUUID().toString())
            .build();
    assertThatThrownBy(() -> fed.jobs("FR").submitJob(more))
        .as("no replica leads on an altered ledger")
        .isInstanceOf(io.grpc.StatusRuntimeException.class);
    assertThat(verified(zk).problems())
        .as("an auditor sees the edit")
        .anySatisfy(p -> assertThat(p.index()).isEqualTo(t.index()));
    assertThat(cosignedSize(zk))
        .as(
            "a majority cosigned a checkpoint over entry %s, which was edited in ZooKeeper; alarms:"
                + " %s",
            t.index(), alarms(fed, "DE"))
        .isLessThanOrEqualTo(t.index());
  }

  @Test
  void entryDeletedFromABlockInZooKeeper_isDetected() throws Exception {
    JobFederation fed = JobFederation.start(f, "delete", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    Tampered t =
        tamperBeforeTheNextCheckpoint(
            fed,
            zk,
            (entries, pos) -> {
              entries.remove(pos);
              return entries;
            });

    awaitAlarms(fed, "seal", "root-mismatch", "entries");
    assertThat(latestSize(zk)).isGreaterThan(t.index());
    assertThat(cosignedSize(zk)).isLessThanOrEqualTo(t.index());
    assertNoCosignatureCovers(zk, t.index());
    List<byte[]> entries = stored(zk); // the head was shortened with the block: it reads
    assertThat(closures(entries, t.receiptId())).isEmpty();
    assertThat(LedgerFlowTest.verify(entries, f.pki().bundle()).problems())
        .extracting(Problem::rule)
        .containsAnyOf("seal-coverage", "seal-digest");
  }

  @Test
  void entriesReorderedInABlockInZooKeeper_areDetected() throws Exception {
    JobFederation fed = JobFederation.start(f, "reorder", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    Tampered t =
        tamperBeforeTheNextCheckpoint(
            fed,
            zk,
            (entries, pos) -> {
              // The receipt and the seal that follows it, swapped.
              ByteString receipt = entries.get(pos);
              entries.set(pos, entries.get(pos + 1));
              entries.set(pos + 1, receipt);
              return entries;
            });

    awaitAlarms(fed, "seal", "root-mismatch");
    assertThat(latestSize(zk)).isGreaterThan(t.index());
    assertThat(cosignedSize(zk)).isLessThanOrEqualTo(t.index());
    assertNoCosignatureCovers(zk, t.index());
    assertThat(verified(zk).problems())
        .anySatisfy(p -> assertThat(p.index()).isIn(t.index(), t.index() + 1));
  }

  @Test
  void olderCheckpointWrittenBack_raisesRollback_andIsNotCosigned() throws Exception {
    JobFederation fed = JobFederation.start(f, "rollback", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    TrustBundle bundle = f.pki().bundle();
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent de = fed.node("DE", "gpu-1");
    runJob(fed, de, keys, "first");
    long firstSize = stored(zk).size();
    LedgerFlowTest.awaitCosigned(zk, bundle, firstSize, LedgerFlowTest.ALL);
    byte[] saved = zk.getData().forPath(ZkPaths.LEDGER_CHECKPOINT);
    assertThat(CheckpointBody.parseFrom(SignedCheckpoint.parseFrom(saved).getBody()).getTreeSize())
        .isEqualTo(firstSize);

    runJob(fed, de, keys, "second");
    long secondSize = stored(zk).size();
    assertThat(secondSize).isGreaterThan(firstSize);
    // Every witness has cosigned the larger log.
    CosignedCheckpoint newer =
        LedgerFlowTest.awaitCosigned(zk, bundle, secondSize, LedgerFlowTest.ALL);

    zk.setData().forPath(ZkPaths.LEDGER_CHECKPOINT, saved);
    awaitAlarms(fed, "rollback");
    assertThat(readCosigned(zk, ZkPaths.LEDGER_COSIGNED).getCheckpoint().getBody())
        .isEqualTo(newer.getCheckpoint().getBody());
    for (String n : JobFederation.NATIONS) {
      CosignedCheckpoint mine = readCosigned(zk, ZkPaths.cosignature(n));
      assertThat(size(mine)).as("%s's cosignature", n).isEqualTo(secondSize);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The stored entries of one block, edited; {@code pos} is the receipt's place in the block. */
  private interface BlockEdit {
    List<ByteString> edit(List<ByteString> entries, int pos) throws Exception;
  }

  /** A receipt entry edited in ZooKeeper while no checkpoint covered it. */
  private record Tampered(
      String receiptId, long index, long latestBefore, RawAgent agent, KeyMaterial keys) {}

  private static List<ByteString> inflateCredit(List<ByteString> entries, int pos)
      throws Exception {
    LedgerEntry e = LedgerEntry.parseFrom(entries.get(pos));
    ReceiptEntry r = e.getReceipt();
    LedgerEntry edited =
        e.toBuilder()
            .setReceipt(
                r.toBuilder()
                    .setObserved(
                        r.getObserved().toBuilder()
                            .setCreditedGpuMs(r.getObserved().getCreditedGpuMs() + 1)))
            .build();
    entries.set(pos, edited.toByteString());
    return entries;
  }

  /**
   * Runs a job whose receipt the leader stores, and edits the block holding it before any
   * checkpoint covers it: one ZooKeeper transaction checks that the latest checkpoint is the one
   * read (smaller than the receipt's index) and rewrites the block (and the head, when the edit
   * changes the count). The leader writes a checkpoint at most once a second, so a receipt stored
   * right after a placement's checkpoint is usually uncovered; when it is not, another job tries
   * again.
   */
  private static Tampered tamperBeforeTheNextCheckpoint(
      JobFederation fed, CuratorFramework zk, BlockEdit edit) throws Exception {
    KeyMaterial keys = f.node("DE", "gpu-1");
    RawAgent de = fed.node("DE", "gpu-1");
    LedgerStore store = new LedgerStore(zk);
    for (int tries = 0; tries < 8; tries++) {
      String id = fed.submit("FR", JobFlowTest.spec("victim-" + tries, 1, 1));
      ShardAssignment a = de.awaitAssignment(id, 0);
      succeed(de, a, sign(keys, receipt(keys, a, "SUCCEEDED").build()));
      Stat checkpoint = new Stat();
      byte[] cp = zk.getData().storingStatIn(checkpoint).forPath(ZkPaths.LEDGER_CHECKPOINT);
      long latest =
          cp.length == 0
              ? 0
              : CheckpointBody.parseFrom(SignedCheckpoint.parseFrom(cp).getBody()).getTreeSize();
      LedgerStore.VersionedHead head = store.head();
      int index = indexOf(store.readAll(), receiptId(a));
      if (index < 0 || latest > index) {
        continue; // a checkpoint covers it already
      }
      for (LedgerStore.Block b : store.blocks(head.head(), 0)) {
        long first = b.chunk().getFirstIndex();
        if (index < first || index >= first + b.chunk().getEntriesCount()) {
          continue;
        }
        List<ByteString> edited =
            edit.edit(new ArrayList<>(b.chunk().getEntriesList()), (int) (index - first));
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(
            zk.transactionOp()
                .check()
                .withVersion(checkpoint.getVersion())
                .forPath(ZkPaths.LEDGER_CHECKPOINT));
        ops.add(
            zk.transactionOp()
                .setData()
                .withVersion(b.version())
                .forPath(
                    ZkPaths.ledgerBlock(b.number()),
                    b.chunk().toBuilder()
                        .clearEntries()
                        .addAllEntries(edited)
                        .build()
                        .toByteArray()));
        int delta = edited.size() - b.chunk().getEntriesCount();
        if (delta != 0) {
          LedgerHead h = head.head();
          ops.add(
              zk.transactionOp()
                  .setData()
                  .withVersion(head.version())
                  .forPath(
                      ZkPaths.LEDGER_HEAD,
                      Json.write(new LedgerHead(h.size() + delta, h.blocks()))));
        }
        try {
          zk.transaction().forOperations(ops);
          return new Tampered(receiptId(a), index, latest, de, keys);
        } catch (KeeperException e) {
          break; // the leader wrote meanwhile: try again
        }
      }
    }
    throw new AssertionError("no receipt stayed uncovered by a checkpoint long enough to edit it");
  }

  private void runJob(JobFederation fed, RawAgent agent, KeyMaterial keys, String name)
      throws Exception {
    String id = fed.submit("FR", JobFlowTest.spec(name, 1, 1));
    ShardAssignment a = agent.awaitAssignment(id, 0);
    succeed(agent, a, sign(keys, receipt(keys, a, "SUCCEEDED").build()));
    awaitJob(fed, "FR", id, "SUCCEEDED");
  }

  private static ReceiptEntry onlyClosure(CuratorFramework zk, String receiptId) throws Exception {
    List<ReceiptEntry> closed = closures(stored(zk), receiptId);
    assertThat(closed).as("entries closing %s", receiptId).hasSize(1);
    return closed.get(0);
  }

  private static LogVerifier verified(CuratorFramework zk) throws Exception {
    return LedgerFlowTest.verify(stored(zk), f.pki().bundle());
  }

  private static List<String> alarms(JobFederation fed, String nation) {
    return LedgerFlowTest.ledger(f, fed.replica(nation), nation)
        .getCheckpoint(GetCheckpointRequest.getDefaultInstance())
        .getWitnessAlarmsList();
  }

  /** Waits until every replica's witness has raised an alarm for one of {@code reasons}. */
  private static void awaitAlarms(JobFederation fed, String... reasons) {
    for (String n : JobFederation.NATIONS) {
      await()
          .atMost(Duration.ofSeconds(10))
          .alias(n + "'s witness alarm " + Arrays.toString(reasons))
          .until(
              () -> alarms(fed, n),
              l ->
                  l.stream()
                      .anyMatch(
                          x -> Arrays.stream(reasons).anyMatch(r -> x.contains(" " + r + ": "))));
    }
  }

  /** Whether every witness cosigned the checkpoint of {@code size} or raised an alarm about it. */
  private static boolean everyWitnessDecided(JobFederation fed, CuratorFramework zk, long size)
      throws Exception {
    for (String n : JobFederation.NATIONS) {
      CosignedCheckpoint mine = readCosigned(zk, ZkPaths.cosignature(n));
      boolean cosigned = mine != null && size(mine) == size;
      boolean refused =
          alarms(fed, n).stream().anyMatch(x -> x.contains("checkpoint of size " + size + " "));
      if (!cosigned && !refused) {
        return false;
      }
    }
    return true;
  }

  private static void assertNoCosignatureCovers(CuratorFramework zk, long index) throws Exception {
    for (String n : JobFederation.NATIONS) {
      CosignedCheckpoint mine = readCosigned(zk, ZkPaths.cosignature(n));
      if (mine != null) {
        assertThat(body(mine).getTreeSize()).as("%s's cosignature", n).isLessThanOrEqualTo(index);
      }
    }
  }
}
