package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.entente.coordinator.LedgerFlowTest.awaitAnyAssignment;
import static org.entente.coordinator.LedgerFlowTest.awaitJob;
import static org.entente.coordinator.LedgerFlowTest.closuresOfJob;
import static org.entente.coordinator.LedgerFlowTest.indexOf;
import static org.entente.coordinator.LedgerFlowTest.latestSize;
import static org.entente.coordinator.LedgerFlowTest.readCosigned;
import static org.entente.coordinator.LedgerFlowTest.receipt;
import static org.entente.coordinator.LedgerFlowTest.receiptId;
import static org.entente.coordinator.LedgerFlowTest.sign;
import static org.entente.coordinator.LedgerFlowTest.stored;
import static org.entente.coordinator.LedgerFlowTest.succeed;
import static org.entente.coordinator.LedgerFlowTest.verify;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.ledger.CheckpointCheck;
import org.entente.coordinator.logstore.LedgerLogId;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.KeyMaterial;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention of {@code /jobs} in a real federation: a finished job leaves ZooKeeper only once its
 * receipts are in a checkpoint a majority of nations cosigned, and a "cosigned" checkpoint written
 * into ZooKeeper by hand prunes nothing.
 */
class JobRetentionTest {
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  /** The tests' fast timings, keeping finished jobs no longer than their cosigning takes. */
  private static UnaryOperator<CoordinatorSettings> keepUntilCosigned() {
    return s -> {
      CoordinatorSettings fast = JobFlowTest.fast().apply(s);
      return fast.withScheduling(fast.scheduling().withJobRetention(Duration.ZERO));
    };
  }

  @Test
  void finishedJob_staysUntilAMajorityCosigns_evenWithAForgedCheckpoint_thenLeavesWithItsAccounts()
      throws Exception {
    JobFederation fed = JobFederation.start(f, "retention", keepUntilCosigned());
    CuratorFramework zk = fed.zk();
    Coordinator leader = fed.leader();
    String home = fed.nationOf(leader);
    List<String> others = JobFederation.NATIONS.stream().filter(n -> !n.equals(home)).toList();
    // Only the leader's own witness is left: no checkpoint can reach a majority of nations.
    for (String n : others) {
      fed.stop(fed.replica(n));
    }
    KeyMaterial keys = f.node(others.get(0), "gpu-1");
    RawAgent agent =
        fed.nodeVia(home, others.get(0), "gpu-1", RawAgent.defaultResources(), (a, m) -> {});
    String id = fed.submit(home, JobFlowTest.spec("kept", 1, 1));
    ShardAssignment a = awaitAnyAssignment(agent, id);
    UsageReceipt sent = receipt(keys, a, "SUCCEEDED").build();
    succeed(agent, a, sign(keys, sent));
    awaitJob(fed, home, id, "SUCCEEDED");
    long receiptAt = indexOf(stored(zk), receiptId(a));
    await()
        .atMost(Duration.ofSeconds(10))
        .alias("the leader's checkpoint covers the receipt")
        .until(() -> latestSize(zk) > receiptAt);

    // A ZooKeeper administrator publishes the leader's checkpoint with one nation's cosignature
    // as if a majority had cosigned it.
    CosignedCheckpoint own =
        await()
            .atMost(Duration.ofSeconds(10))
            .alias(home + "'s witness cosigned the receipt")
            .until(
                () -> {
                  CosignedCheckpoint c = readCosigned(zk, ZkPaths.cosignature(home));
                  return c != null && LedgerFlowTest.size(c) > receiptAt ? c : null;
                },
                c -> c != null);
    assertThat(CheckpointCheck.check(own, f.pki().bundle(), LedgerLogId.read(zk)).counts())
        .isFalse();
    if (zk.checkExists().forPath(ZkPaths.LEDGER_COSIGNED) == null) {
      zk.create().creatingParentsIfNeeded().forPath(ZkPaths.LEDGER_COSIGNED, own.toByteArray());
    } else {
      zk.setData().forPath(ZkPaths.LEDGER_COSIGNED, own.toByteArray());
    }
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(6))
        .alias(id + " stays in /jobs while no majority cosigned its receipt")
        .until(() -> zk.checkExists().forPath(ZkPaths.job(id)) != null);
    assertThat(LedgerFlowTest.job(fed, home, id).getSummary().getState()).isEqualTo("SUCCEEDED");

    // The other nations' witnesses come back and cosign: now it goes.
    for (String n : others) {
      fed.restart(n);
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .alias(id + " pruned once cosigned")
        .until(() -> zk.checkExists().forPath(ZkPaths.job(id)) == null);
    CosignedCheckpoint cosigned = readCosigned(zk, ZkPaths.LEDGER_COSIGNED);
    CheckpointCheck.Result check =
        CheckpointCheck.check(cosigned, f.pki().bundle(), LedgerLogId.read(zk));
    assertThat(check.counts()).isTrue();
    assertThat(check.body().getTreeSize()).isGreaterThan(receiptAt);

    // Its accounts stay in the ledger, credited once.
    List<byte[]> entries = stored(zk);
    assertThat(verify(entries, f.pki().bundle()).problems()).isEmpty();
    List<ReceiptEntry> closed = closuresOfJob(entries, id);
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).getObserved().getLeaderOnly()).isFalse();
    assertThat(closed.get(0).getObserved().getCreditedGpuMs()).isEqualTo(sent.getGpuMs());
    assertThat(leader.metrics().jobsPruned.get()).isGreaterThanOrEqualTo(1.0);
    assertThatThrownBy(() -> LedgerFlowTest.job(fed, home, id))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("jobRetention");
            });
  }
}
