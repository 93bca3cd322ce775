package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.ApproveRequest;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.GetGovernedStateRequest;
import org.entente.proto.v1.GetProposalRequest;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.ListProposalsRequest;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.ProposeRequest;
import org.entente.proto.v1.SetQuota;
import org.entente.proto.v1.SetThreshold;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.governance.Documents;
import org.entente.security.governance.GovernanceChain;
import org.entente.security.governance.GovernedStates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Governance in a real federation of three replicas: a proposal takes effect only with approvals of
 * a majority of distinct member nations, on every replica, and a governed value written into
 * ZooKeeper by hand, or a chain entry without valid approvals, is refused and reported by every
 * replica.
 */
class GovernanceFlowTest {
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static Change quota(String nation, long gpus) {
    Amounts a = Amounts.newBuilder().setGpus(gpus).setCpus(gpus * 8).build();
    return Change.newBuilder()
        .setSetQuota(
            SetQuota.newBuilder()
                .setNation(nation)
                .setQuota(
                    GovernedQuota.newBuilder()
                        .setNominal(a)
                        .setBorrowingLimit(Amounts.getDefaultInstance())))
        .build();
  }

  private static ProposalStatus status(JobFederation fed, String via, String id) {
    return fed.governance(via).getProposal(GetProposalRequest.newBuilder().setId(id).build());
  }

  private static void approve(JobFederation fed, KeyMaterial operator, String via, String id) {
    SignedProposal p = status(fed, via, id).getProposal();
    f.governance(fed.replica(via), operator)
        .approve(
            ApproveRequest.newBuilder()
                .setApproval(Documents.approve(operator, p, id, CoordinatorFixture.CLOCK.millis()))
                .build());
  }

  private static long gpusOf(GovernedState s, String nation) {
    return GovernedStates.member(s, nation).getQuota().getNominal().getGpus();
  }

  @Test
  void quota_takesEffectOnlyWithAMajorityOfDistinctNations_onEveryReplica() throws Exception {
    JobFederation fed = JobFederation.start(f, "gov-quota", JobFlowTest.fast());
    RawAgent fr = fed.node("FR", "gpu-1");
    String id = fed.govern("DE", quota("FR", 0), "DE");

    // One nation, even with a second operator, is one approval of the two needed.
    KeyMaterial secondDe = f.keys("DE", Role.OPERATOR, "ops-2");
    approve(fed, secondDe, "DE", id);
    assertThatThrownBy(() -> approve(fed, f.operator("DE"), "FR", id))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    ProposalStatus pending = status(fed, "JP", id);
    assertThat(pending.getOutcome()).isEqualTo("pending");
    assertThat(pending.getApprovingNationsList()).containsExactly("DE");
    assertThat(pending.getRequired()).isEqualTo(2);
    assertThat(pending.getApprovalsList())
        .filteredOn(a -> !a.getCounts())
        .singleElement()
        .satisfies(a -> assertThat(a.getRefused()).contains("one nation counts once"));
    for (Coordinator c : List.of(fed.replica("DE"), fed.replica("FR"), fed.replica("JP"))) {
      assertThat(c.governance().state().getAppliedList()).doesNotContain(id);
    }
    // Before the change FR's jobs run.
    String before = fed.submit("FR", JobFlowTest.spec("before", 1, 1));
    fr.awaitAssignment(before, 0);

    approve(fed, f.operator("FR"), "FR", id);

    for (Coordinator c : List.of(fed.replica("DE"), fed.replica("FR"), fed.replica("JP"))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> c.governance().state().getAppliedList().contains(id));
      assertThat(gpusOf(c.governance().state(), "FR")).isZero();
    }
    assertThat(status(fed, "DE", id).getOutcome()).isEqualTo("applied");
    // FR may now use nothing, so its next job waits.
    String after = fed.submit("FR", JobFlowTest.spec("after", 1, 1));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> fr.assignments().stream().noneMatch(a -> a.getJobId().equals(after)));

    // The ledger holds the genesis and the change, with the approvals that made it.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> verified(fed).governance().decided().size() == 1);
    LogVerifier v = verified(fed);
    assertThat(v.problems()).isEmpty();
    assertThat(v.governance().decided().get(0).id()).isEqualTo(id);
    assertThat(v.governance().decided().get(0).approvers())
        .containsExactly("entente://DE/operator/ops-1", "entente://FR/operator/ops-1");
    assertThat(gpusOf(v.governance().state(), "FR")).isZero();
  }

  @Test
  void expiredAndForeignApprovals_areRefused_andAChangedProposalIsAnotherProposal()
      throws Exception {
    JobFederation fed = JobFederation.start(f, "gov-refuse", JobFlowTest.fast());
    long now = CoordinatorFixture.CLOCK.millis();
    SignedProposal p = Documents.propose(f.operator("DE"), quota("JP", 3), "short", now, 1500);
    String id =
        fed.governance("DE").propose(ProposeRequest.newBuilder().setProposal(p).build()).getId();
    // An approval naming someone else than the caller is refused.
    SignedApproval forJp = Documents.approve(f.operator("JP"), p, id, now);
    assertThatThrownBy(
            () ->
                fed.governance("FR")
                    .approve(ApproveRequest.newBuilder().setApproval(forJp).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("own approvals");
            });
    // An approval of other bytes under the same id (the proposal changed) does not count.
    SignedProposal changed = Documents.propose(f.operator("DE"), quota("JP", 99), "x", now, 60_000);
    SignedApproval ofChanged = Documents.approve(f.operator("FR"), changed, id, now);
    assertThatThrownBy(
            () ->
                fed.governance("FR")
                    .approve(ApproveRequest.newBuilder().setApproval(ofChanged).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).contains("changed after approval"));
    // After expiry, approvals are refused and nothing is applied.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> CoordinatorFixture.CLOCK.millis() > now + 1500);
    assertThatThrownBy(() -> approve(fed, f.operator("FR"), "FR", id))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains("expired");
            });
    assertThat(status(fed, "JP", id).getOutcome()).isEqualTo("expired");
    assertThat(
            fed.governance("JP")
                .listProposals(ListProposalsRequest.newBuilder().setAll(false).build())
                .getProposalsList())
        .isEmpty();
    assertThat(fed.replica("JP").governance().state().getAppliedList()).isEmpty();
  }

  @Test
  void governedValuesWrittenByHand_areIgnoredAndReported_byEveryReplica() throws Exception {
    JobFederation fed = JobFederation.start(f, "gov-tamper", JobFlowTest.fast());
    CuratorFramework zk = fed.zk();
    GovernedState real = fed.replica("DE").governance().state();

    // A ZooKeeper administrator lowers the threshold to 1 and gives DE a huge quota.
    GovernedState forged =
        real.toBuilder()
            .setThreshold(1)
            .setMembers(
                0,
                real.getMembers(0).toBuilder()
                    .setQuota(
                        GovernedQuota.newBuilder()
                            .setNominal(Amounts.newBuilder().setGpus(1_000_000))))
            .build();
    if (zk.checkExists().forPath(ZkPaths.GOVERNANCE_STATE) == null) {
      zk.create().forPath(ZkPaths.GOVERNANCE_STATE, forged.toByteArray());
    } else {
      zk.setData().forPath(ZkPaths.GOVERNANCE_STATE, forged.toByteArray());
    }
    // ... and writes a chain link that applies a change approved by DE alone.
    SignedProposal p =
        Documents.propose(
            f.operator("DE"),
            Change.newBuilder().setSetThreshold(SetThreshold.newBuilder().setThreshold(1)).build(),
            "take over",
            CoordinatorFixture.CLOCK.millis(),
            60_000);
    String id = org.entente.proto.v1.Proposal.parseFrom(p.getBody()).getId();
    GovernanceEntry rogue =
        GovernanceChain.entry(
            real,
            p,
            List.of(Documents.approve(f.operator("DE"), p, id, CoordinatorFixture.CLOCK.millis())),
            CoordinatorFixture.CLOCK.millis(),
            99);
    zk.create()
        .forPath(
            ZkPaths.governanceLink(fed.replica("DE").governance().nextPosition()),
            rogue.toByteArray());

    for (String n : JobFederation.NATIONS) {
      Coordinator c = fed.replica(n);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  c.governance().alarms().stream().anyMatch(a -> a.contains("/governance/state"))
                      && c.governance().alarms().stream().anyMatch(a -> a.contains("refused")));
      assertThat(c.governance().state()).isEqualTo(real);
      assertThat(
              c.metrics().governanceRefused.labelValues("unapproved").get()
                  + c.metrics().governanceRefused.labelValues("hand-edited").get())
          .isGreaterThanOrEqualTo(2);
    }
    assertThat(
            fed.governance("FR")
                .getGovernedState(GetGovernedStateRequest.getDefaultInstance())
                .getAlarmsList())
        .anyMatch(a -> a.contains("needs 2 distinct member nations"));

    // The chain goes on past the refused link: an approved change still applies everywhere.
    String honest = fed.govern("FR", quota("JP", 5), "FR", "JP");
    for (String n : JobFederation.NATIONS) {
      Coordinator c = fed.replica(n);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> c.governance().state().getAppliedList().contains(honest));
      assertThat(c.governance().state().getThreshold()).isZero();
      assertThat(gpusOf(c.governance().state(), "JP")).isEqualTo(5);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> verified(fed).governance().decided().size() == 1);
    assertThat(verified(fed).problems()).isEmpty();
  }

  private static LogVerifier verified(JobFederation fed) throws Exception {
    return LedgerFlowTest.verify(LedgerFlowTest.stored(fed.zk()), f.pki().bundle());
  }
}
