package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.proto.v1.AdmitNation;
import org.entente.proto.v1.ApproveRequest;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.GetGovernedStateRequest;
import org.entente.proto.v1.GetProposalRequest;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.ProposeRequest;
import org.entente.proto.v1.RemoveNation;
import org.entente.proto.v1.RevokeCertificate;
import org.entente.proto.v1.SignedProposal;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.governance.Documents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Membership and revocation as governed changes, end to end over mTLS: a fourth nation (PL) with
 * its own CA cannot connect until the members approve its admission, then its operator and node
 * work; removing it cuts its stream and requeues its shard with nothing counted twice; a revoked
 * node certificate loses its stream.
 */
class GovernedMembershipTest {
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static void approveAs(JobFederation fed, KeyMaterial operator, String via, String id) {
    SignedProposal p =
        fed.governance(via)
            .getProposal(GetProposalRequest.newBuilder().setId(id).build())
            .getProposal();
    f.governance(fed.replica(via), operator)
        .approve(
            ApproveRequest.newBuilder()
                .setApproval(Documents.approve(operator, p, id, CoordinatorFixture.CLOCK.millis()))
                .build());
  }

  private static void awaitApplied(JobFederation fed, String id) {
    for (String n : JobFederation.NATIONS) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> fed.replica(n).governance().state().getAppliedList().contains(id));
    }
  }

  @Test
  void aNationAdmittedByTheMembers_connectsAndWorks_andRemovedLosesItsStreamAndShards()
      throws Exception {
    JobFederation fed = JobFederation.start(f, "gov-admit", JobFlowTest.fast());
    LocalPki pl = LocalPki.create(CoordinatorFixture.CLOCK, "PL");
    KeyMaterial plOps = pl.issue(new Identity("PL", Role.OPERATOR, "ops-1"));
    KeyMaterial plNode = pl.issue(new Identity("PL", Role.NODE, "gpu-1"));

    // Before admission PL's handshakes fail on every replica.
    assertThatThrownBy(
            () ->
                f.governance(fed.replica("DE"), plOps)
                    .getGovernedState(GetGovernedStateRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    // PL proposes itself, signed under the root it offers; a member's operator submits it.
    Change admit =
        Change.newBuilder()
            .setAdmitNation(
                AdmitNation.newBuilder()
                    .setMember(
                        Member.newBuilder()
                            .setNation("PL")
                            .setRootDer(
                                ByteString.copyFrom(pl.ca("PL").certificate().getEncoded()))))
            .build();
    SignedProposal p =
        Documents.propose(plOps, admit, "PL joins", CoordinatorFixture.CLOCK.millis(), 3_600_000);
    String id =
        fed.governance("DE").propose(ProposeRequest.newBuilder().setProposal(p).build()).getId();
    approveAs(fed, f.operator("DE"), "DE", id);
    // One approval of three members is not enough: PL still cannot connect.
    assertThatThrownBy(
            () ->
                f.governance(fed.replica("FR"), plOps)
                    .getGovernedState(GetGovernedStateRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);
    approveAs(fed, f.operator("FR"), "FR", id);
    awaitApplied(fed, id);

    // Now PL's operator and node connect to any replica, and PL's job runs on PL's node.
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () ->
                f.governance(fed.replica("JP"), plOps)
                        .getGovernedState(GetGovernedStateRequest.getDefaultInstance())
                        .getState()
                        .getMembersCount()
                    == 4);
    RawAgent node = f.agent(fed.replica("DE"), plNode);
    node.register("PL", "gpu-1", RawAgent.defaultResources()).awaitRegistered();
    node.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    String job =
        f.jobs(fed.replica("DE"), plOps)
            .submitJob(
                SubmitJobRequest.newBuilder()
                    .setSpec(JobFlowTest.spec("polish", 1, 1))
                    .setNation("PL")
                    .setRequestId("pl-1")
                    .build())
            .getJobId();
    var a = node.awaitAssignment(job, 0);
    node.report(job, 0, a.getAttempt(), org.entente.proto.v1.ShardPhase.SHARD_PHASE_RUNNING, "");
    LedgerFlowTest.awaitJob(fed, "DE", job, "RUNNING");

    // Removing PL needs three of the four members now; PL's stream is cut and its shard requeued.
    Change remove =
        Change.newBuilder().setRemoveNation(RemoveNation.newBuilder().setNation("PL")).build();
    String rid = fed.govern("DE", remove, "DE", "FR");
    assertThat(
            fed.governance("JP")
                .getProposal(GetProposalRequest.newBuilder().setId(rid).build())
                .getRequired())
        .isEqualTo(3);
    approveAs(fed, f.operator("JP"), "JP", rid);
    awaitApplied(fed, rid);
    assertThat(node.awaitEnd(Duration.ofSeconds(10)).getDescription())
        .contains("no longer a member");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> LedgerFlowTest.job(fed, "DE", job).getShards(0).getState(),
            st -> st.equals("REQUEUED") || st.equals("PENDING"));
    assertThatThrownBy(
            () ->
                f.governance(fed.replica("DE"), plOps)
                    .getGovernedState(GetGovernedStateRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);
    // The attempt on PL's node is closed once, by the leader alone, crediting nothing.
    String receipt = LedgerFlowTest.receiptId(a);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> LedgerFlowTest.closures(LedgerFlowTest.stored(fed.zk()), receipt).size() == 1);
    LogVerifier v = LedgerFlowTest.verify(LedgerFlowTest.stored(fed.zk()), f.pki().bundle());
    assertThat(v.governance().decided()).hasSize(2);
    assertThat(v.accounts().nation("PL").contributedGpuMs()).isZero();
  }

  @Test
  void aRevokedNodeCertificate_losesItsStream_onceTheRevocationIsApproved() throws Exception {
    JobFederation fed = JobFederation.start(f, "gov-revoke", JobFlowTest.fast());
    KeyMaterial keys = f.freshKeys("FR", Role.NODE, "gpu-9");
    RawAgent node = f.agent(fed.replica("FR"), keys);
    node.register("FR", "gpu-9", RawAgent.defaultResources()).awaitRegistered();
    node.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    Change revoke =
        Change.newBuilder()
            .setRevoke(
                RevokeCertificate.newBuilder()
                    .setNation("FR")
                    .setSerialHex(keys.certificate().getSerialNumber().toString(16))
                    .setSubject(keys.identity().toUri()))
            .build();
    String id = fed.govern("DE", revoke, "DE");
    assertThat(node.ended()).isFalse();
    approveAs(fed, f.operator("JP"), "JP", id);
    awaitApplied(fed, id);
    assertThat(node.awaitEnd(Duration.ofSeconds(10)).getDescription()).contains("revoked");
    assertThatThrownBy(
            () -> f.agent(fed.replica("DE"), keys).register("FR", "gpu-9").awaitRegistered())
        .isInstanceOf(Throwable.class);
  }
}
