package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.entente.agent.NodeAgent;
import org.entente.cli.client.FederationClient;
import org.entente.cli.demo.LocalFederation;
import org.entente.coordinator.Coordinator;
import org.entente.proto.v1.ApproveRequest;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.ProposeRequest;
import org.entente.proto.v1.RevokeCertificate;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.governance.Documents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation reaches the agents: real node agents learn the governed state from the coordinators
 * and verify it themselves, and when a majority revokes a coordinator's certificate, its agents
 * leave it for another replica.
 */
class RevokedCoordinatorTest {
  @TempDir Path dir;
  private TestingServer zk;
  private LocalFederation fed;

  @BeforeEach
  void up() throws Exception {
    zk = TestZooKeeper.start();
    fed = TestFederation.start(zk.getConnectString(), "/revoked", dir.resolve("ids"));
  }

  @AfterEach
  void down() throws Exception {
    if (fed != null) {
      fed.close();
    }
    zk.close();
  }

  private FederationClient client(String nation, Coordinator via) {
    return new FederationClient(fed.operator(nation), fed.bundle(), List.of(via.address()), 10_000);
  }

  @Test
  void aRevokedCoordinator_losesItsAgents_whichVerifiedTheRevocationThemselves() throws Exception {
    Map<String, Coordinator> replicas = fed.coordinators();
    // A replica that does not lead, and the agent of its nation that it serves.
    String target =
        List.of("DE", "FR", "JP").stream()
            .filter(n -> !replicas.get(n).isLeader())
            .findFirst()
            .orElseThrow();
    NodeAgent agent = TestFederation.agent(fed, target, "gpu-01");
    await()
        .atMost(TestFederation.DEADLINE)
        .until(() -> agent.isRegistered() && agent.replica().startsWith(target + "/"));
    // The agent verified the chain from the genesis on, on its own.
    await().atMost(TestFederation.DEADLINE).until(() -> agent.trust().state() != null);
    assertThat(agent.trust().state().getMembersCount()).isEqualTo(3);

    java.math.BigInteger serial = replicas.get(target).certificate().getSerialNumber();
    List<String> others =
        List.of("DE", "FR", "JP").stream().filter(n -> !n.equals(target)).toList();
    Coordinator via = replicas.get(others.get(0));
    Change revoke =
        Change.newBuilder()
            .setRevoke(
                RevokeCertificate.newBuilder()
                    .setNation(target)
                    .setSerialHex(serial.toString(16))
                    .setSubject("entente://" + target + "/coordinator/coordinator"))
            .build();
    SignedProposal p =
        Documents.propose(
            fed.operator(others.get(0)), revoke, "key leaked", System.currentTimeMillis(), 600_000);
    String id;
    try (FederationClient c = client(others.get(0), via)) {
      id = c.governance(s -> s.propose(ProposeRequest.newBuilder().setProposal(p).build())).getId();
      for (String n : others) {
        try (FederationClient a = client(n, via)) {
          a.governance(
              s ->
                  s.approve(
                      ApproveRequest.newBuilder()
                          .setApproval(
                              Documents.approve(fed.operator(n), p, id, System.currentTimeMillis()))
                          .build()));
        }
      }
    }

    await()
        .atMost(TestFederation.DEADLINE)
        .until(() -> agent.trust().trust().snapshot().isRevoked(target, serial));
    await()
        .atMost(TestFederation.DEADLINE)
        .until(
            () ->
                agent.isRegistered()
                    && agent.replica() != null
                    && !agent.replica().startsWith(target + "/"));
    assertThat(agent.trust().state().getRevokedList()).contains(target + ":" + serial.toString(16));
    assertThat(agent.lastFailure().getDescription()).contains("no longer trusted");

    // A client verifies the same for itself and skips the revoked replica, even listed first.
    List<String> order = new java.util.ArrayList<>();
    order.add(replicas.get(target).address());
    others.forEach(n -> order.add(replicas.get(n).address()));
    try (FederationClient c =
        new FederationClient(fed.operator(others.get(1)), fed.bundle(), order, 10_000)) {
      var federation =
          c.call(
              s -> s.getFederation(org.entente.proto.v1.GetFederationRequest.getDefaultInstance()));
      assertThat(federation).isNotNull();
      assertThat(c.distrusted()).containsExactly(replicas.get(target).address());
      assertThat(c.trust().trust().snapshot().isRevoked(target, serial)).isTrue();
    }
  }

  @Test
  void aRevokedLeader_withdraws_andAnotherReplicaLeads() throws Exception {
    Map<String, Coordinator> replicas = fed.coordinators();
    await()
        .atMost(TestFederation.DEADLINE)
        .until(() -> replicas.values().stream().anyMatch(Coordinator::isLeader));
    String leader =
        replicas.entrySet().stream()
            .filter(e -> e.getValue().isLeader())
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    java.math.BigInteger serial = replicas.get(leader).certificate().getSerialNumber();
    List<String> others =
        List.of("DE", "FR", "JP").stream().filter(n -> !n.equals(leader)).toList();
    Change revoke =
        Change.newBuilder()
            .setRevoke(
                RevokeCertificate.newBuilder().setNation(leader).setSerialHex(serial.toString(16)))
            .build();
    // Proposed and approved through a replica that keeps its certificate; the leader applies it.
    Coordinator via = replicas.get(others.get(0));
    SignedProposal p =
        Documents.propose(
            fed.operator(others.get(0)),
            revoke,
            "compromised",
            System.currentTimeMillis(),
            600_000);
    try (FederationClient c = client(others.get(0), via)) {
      String id =
          c.governance(s -> s.propose(ProposeRequest.newBuilder().setProposal(p).build())).getId();
      for (String n : others) {
        try (FederationClient a = client(n, via)) {
          a.governance(
              s ->
                  s.approve(
                      ApproveRequest.newBuilder()
                          .setApproval(
                              Documents.approve(fed.operator(n), p, id, System.currentTimeMillis()))
                          .build()));
        }
      }
    }

    await().atMost(TestFederation.DEADLINE).until(() -> !replicas.get(leader).isLeader());
    await()
        .atMost(TestFederation.DEADLINE)
        .until(() -> others.stream().anyMatch(n -> replicas.get(n).isLeader()));
    // It does not stand again.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> !replicas.get(leader).isLeader());
  }
}
