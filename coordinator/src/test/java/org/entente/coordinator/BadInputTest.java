package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.grpc.ServerLimits;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.proto.v1.FederationServiceGrpc;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.LocalNode;
import org.entente.proto.v1.LocalNodesRequest;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.NodeStatus;
import org.entente.proto.v1.PublishRevocationsRequest;
import org.entente.proto.v1.PublishRevocationsResponse;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed, mismatched, oversized and replayed input against one real replica: each gets its exact
 * status, and none of them changes what ZooKeeper holds. Each test uses its own node name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  private static final ServerLimits LIMITS = ServerLimits.defaults();

  private CoordinatorFixture f;
  private Coordinator replica;
  private CuratorFramework zk;

  @BeforeAll
  void startFederation() throws Exception {
    f = CoordinatorFixture.start();
    String chroot = f.newChroot("bad");
    replica = f.startReplica("DE", chroot, s -> s.withLimits(LIMITS));
    zk = f.zk(chroot);
    CoordinatorFixture.awaitLeader(List.of(replica));
  }

  @AfterAll
  void stopFederation() throws Exception {
    f.close();
  }

  // ------------------------------------------------------------------ agent stream

  @Test
  void register_nameNotMatchingCertificate_permissionDeniedAndNoZnode() throws Exception {
    double deniedBefore = replica.metrics().denied.labelValues("AGENT_CONNECT").get();
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-02"));

    agent.register("DE", "gpu-03");

    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.PERMISSION_DENIED);
    assertThat(end.getDescription()).contains("only as itself", "DE/node/gpu-03");
    assertThat(agent.registrations()).isEmpty();
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-03")).isEmpty();
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-02")).isEmpty();
    assertThat(replica.metrics().denied.labelValues("AGENT_CONNECT").get())
        .isEqualTo(deniedBefore + 1);
  }

  @Test
  void register_nationNotMatchingCertificate_permissionDeniedAndNoZnode() throws Exception {
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-02"));

    agent.register("FR", "gpu-02");

    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.PERMISSION_DENIED);
    assertThat(end.getDescription()).contains("FR/node/gpu-02");
    assertThat(CoordinatorFixture.presence(zk, "FR", "gpu-02")).isEmpty();
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-02")).isEmpty();
    assertThat(zk.checkExists().forPath("/nodes/FR")).isNull();
  }

  @Test
  void heartbeat_beforeRegister_invalidArgumentMentioningRegister() throws Exception {
    double accepted = replica.metrics().heartbeats.get();
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-04"));

    agent.heartbeat(1);

    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains("register");
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-04")).isEmpty();
    assertThat(replica.metrics().heartbeats.get()).isEqualTo(accepted);
  }

  @Test
  void register_againAfterRegistered_invalidArgumentAndFirstRecordUntouched() throws Exception {
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-05"));
    agent.register("DE", "gpu-05").awaitRegistered();
    NodeRecord first = CoordinatorFixture.presence(zk, "DE", "gpu-05").orElseThrow();

    agent.register("DE", "gpu-05", RawAgent.defaultResources().toBuilder().setCpuCores(99).build());

    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains("register", "already registered");
    assertThat(agent.registrations()).hasSize(1);
    assertThat(first.resources().cpuCores()).isEqualTo(16);
    // The refused stream ends, so its presence is released; the second claim was never written.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> CoordinatorFixture.presence(zk, "DE", "gpu-05").isEmpty());
  }

  @Test
  void register_twiceBackToBack_invalidArgumentAndOneRegistration() {
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-06"));

    // Both sent before the first has been answered: the second must still be refused.
    agent.register("DE", "gpu-06");
    agent.register("DE", "gpu-06", RawAgent.defaultResources().toBuilder().setCpuCores(99).build());

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> agent.ended() || agent.registrations().size() > 1);
    assertThat(agent.registrations())
        .as("Registered replies: a second Register on one stream must not be accepted")
        .hasSizeLessThanOrEqualTo(1);
    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains("already registered");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> CoordinatorFixture.presence(zk, "DE", "gpu-06").isEmpty());
  }

  static Stream<Arguments> invalidResources() {
    NodeResources ok = RawAgent.defaultResources();
    NodeResources.Builder manyLabels = ok.toBuilder().clearLabels();
    IntStream.range(0, 33).forEach(i -> manyLabels.putLabels("k" + i, "v"));
    NodeResources.Builder manyGpus = ok.toBuilder().clearGpus();
    IntStream.range(0, 65).forEach(i -> manyGpus.addGpus(Gpu.newBuilder().setIndex(i)));
    return Stream.of(
        Arguments.of(
            "no cpu", ok.toBuilder().setCpuCores(0).build(), "register.resources.cpu_cores"),
        Arguments.of(
            "too many cpus",
            ok.toBuilder().setCpuCores(4097).build(),
            "register.resources.cpu_cores"),
        Arguments.of(
            "negative memory",
            ok.toBuilder().setMemoryBytes(-1).build(),
            "register.resources.memory_bytes"),
        Arguments.of(
            "bad label key",
            ok.toBuilder().putLabels("Bad Key", "x").build(),
            "register.resources.labels[Bad Key]"),
        Arguments.of(
            "long label value",
            ok.toBuilder().putLabels("zone", "v".repeat(129)).build(),
            "register.resources.labels[zone]"),
        Arguments.of("33 labels", manyLabels.build(), "register.resources.labels"),
        Arguments.of("65 gpus", manyGpus.build(), "register.resources.gpus"),
        Arguments.of(
            "negative gpu memory",
            ok.toBuilder()
                .clearGpus()
                .addGpus(Gpu.newBuilder().setIndex(3).setMemoryBytes(-5))
                .build(),
            "register.resources.gpus[3]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResources")
  void register_invalidResources_invalidArgumentNamingFieldAndNoZnode(
      String why, NodeResources resources, String field) throws Exception {
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-07"));

    agent.register("DE", "gpu-07", resources);

    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).startsWith("field '" + field + "'");
    assertThat(agent.registrations()).isEmpty();
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-07")).isEmpty();
  }

  @Test
  void register_messageOverInboundLimit_resourceExhaustedAndNoZnode() throws Exception {
    // Between the replica's limit and gRPC's own 4 MiB default, so only the hardening refuses it.
    int limit = LIMITS.maxInboundMessageBytes();
    assertThat(limit + 1024).isLessThan(4 << 20);
    NodeResources huge =
        RawAgent.defaultResources().toBuilder().putLabels("blob", "x".repeat(limit + 1024)).build();
    RawAgent agent = f.agent(replica, f.node("DE", "gpu-08"));

    agent.register("DE", "gpu-08", huge);

    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-08")).isEmpty();
  }

  // ------------------------------------------------------------------ federation service

  @Test
  void listNodes_lowercaseNation_invalidArgumentNamingNation() {
    FederationServiceGrpc.FederationServiceBlockingStub operator =
        f.federation(replica, f.operator("DE"));

    assertThatThrownBy(
            () -> operator.listNodes(ListNodesRequest.newBuilder().setNation("de").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith("field 'nation'");
            });
  }

  @Test
  void publishRevocations_crlOverInboundLimit_resourceExhaustedAndStoredUnchanged()
      throws Exception {
    Optional<String> before = CoordinatorFixture.storedCrl(zk, "DE");

    assertThat(2 << 20).isGreaterThan(LIMITS.maxInboundMessageBytes()).isLessThan(4 << 20);

    Status status = publish("DE", "A".repeat(2 << 20));

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(CoordinatorFixture.storedCrl(zk, "DE")).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not a revocation list",
        "-----BEGIN X509 CRL-----\nZm9vYmFy\n-----END X509 CRL-----\n",
        "-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n",
        ""
      })
  void publishRevocations_garbagePem_invalidArgumentNamingCrlPemAndStoredUnchanged(String pem)
      throws Exception {
    Optional<String> before = CoordinatorFixture.storedCrl(zk, "DE");

    Status status = publish("DE", pem);

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith("field 'crl_pem'");
    assertThat(CoordinatorFixture.storedCrl(zk, "DE")).isEqualTo(before);
  }

  @Test
  void publishRevocations_crlSignedByAnotherNationsRoot_invalidArgumentAndStoredUnchanged()
      throws Exception {
    Optional<String> before = CoordinatorFixture.storedCrl(zk, "DE");
    var heldBefore = replica.trust().snapshot().revocations().get("DE");

    Status status = publish("DE", f.crl("FR", 1_000, List.of(BigInteger.TEN)));

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith("field 'crl_pem'").contains("not the DE root");
    assertThat(CoordinatorFixture.storedCrl(zk, "DE")).isEqualTo(before);
    assertThat(replica.trust().snapshot().revocations().get("DE")).isSameAs(heldBefore);
  }

  @Test
  void publishRevocations_crlSignedByImpostorRootWithSameName_invalidArgumentAndStoredUnchanged()
      throws Exception {
    Optional<String> before = CoordinatorFixture.storedCrl(zk, "DE");
    LocalPki impostor = LocalPki.create(CoordinatorFixture.CLOCK, "DE");
    String forged = Pem.encode(impostor.ca("DE").revocationList(1_000, List.of(BigInteger.TEN)));

    Status status = publish("DE", forged);

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith("field 'crl_pem'").contains("signature");
    assertThat(CoordinatorFixture.storedCrl(zk, "DE")).isEqualTo(before);
  }

  @Test
  void publishRevocations_olderOrSameNumberAfterNewer_failedPreconditionAndStoredUnchanged()
      throws Exception {
    KeyMaterial victim = f.freshKeys("DE", Role.NODE, "gpu-09");
    String newer = f.crl("DE", 10, List.of());
    assertThat(publish("DE", newer).getCode()).isEqualTo(Code.OK);

    String older = f.crl("DE", 7, List.of(victim.certificate().getSerialNumber()));
    String sameNumber = f.crl("DE", 10, List.of(victim.certificate().getSerialNumber()));
    Status olderStatus = publish("DE", older);
    Status sameStatus = publish("DE", sameNumber);

    assertThat(olderStatus.getCode())
        .as(olderStatus.toString())
        .isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(olderStatus.getDescription()).contains("7", "10");
    assertThat(sameStatus.getCode()).as(sameStatus.toString()).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(CoordinatorFixture.storedCrl(zk, "DE")).contains(newer);
    var held = replica.trust().snapshot();
    assertThat(held.revocations().get("DE").number()).isEqualTo(10);
    assertThat(held.isRevoked("DE", victim.certificate().getSerialNumber())).isFalse();
  }

  // ------------------------------------------------------------------ heartbeats

  @Test
  void heartbeat_replayedSequence_ignoredAndDoesNotRefreshLiveness() throws Exception {
    KeyMaterial node = f.node("DE", "gpu-10");
    RawAgent agent = f.agent(replica, node);
    agent.register("DE", "gpu-10").awaitRegistered();
    double acceptedBefore = replica.metrics().heartbeats.get();
    agent.heartbeat(5);
    await().atMost(Duration.ofSeconds(5)).until(() -> lastHeartbeat("gpu-10") > 0);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> replica.metrics().heartbeats.get() >= acceptedBefore + 1);
    long accepted = lastHeartbeat("gpu-10");
    double ignoredBefore = replica.metrics().heartbeatsIgnored.get();

    // A replayed sequence, a reordered (lower) one, then the replay over and over.
    agent.heartbeat(5).heartbeat(4);
    agent.startReplaying(5, Duration.ofMillis(100));

    long lostAfter = CoordinatorFixture.LOST_TIMEOUT.toMillis() + 1500;
    await()
        .atMost(Duration.ofMillis(lostAfter))
        .alias("gpu-10 LOST in ZooKeeper despite replayed heartbeats")
        .until(
            () -> CoordinatorFixture.presence(zk, "DE", "gpu-10").map(NodeRecord::state),
            s -> s.equals(Optional.of(NodeState.LOST)));
    assertThat(listed("gpu-10").getState()).isEqualTo("LOST");
    assertThat(replica.metrics().heartbeatsIgnored.get()).isGreaterThanOrEqualTo(ignoredBefore + 4);
    assertThat(lastHeartbeat("gpu-10")).as("last accepted heartbeat").isEqualTo(accepted);
    assertThat(agent.ended()).isFalse();

    // Control: a heartbeat that does increase the sequence is accepted and revives the node.
    agent.stopHeartbeats();
    agent.heartbeat(6);
    await()
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> CoordinatorFixture.presence(zk, "DE", "gpu-10").map(NodeRecord::state),
            s -> s.equals(Optional.of(NodeState.ACTIVE)));
    assertThat(lastHeartbeat("gpu-10")).isGreaterThan(accepted);
  }

  // ------------------------------------------------------------------ helpers

  /** The replica's in-memory last heartbeat of DE/name, read as a coordinator would. */
  private long lastHeartbeat(String name) {
    ManagedChannel ch = f.channel(replica, f.keys("FR", Role.COORDINATOR, "coord-fr"));
    try {
      return f
          .replicaService(ch)
          .localNodes(LocalNodesRequest.getDefaultInstance())
          .getNodesList()
          .stream()
          .filter(n -> n.getNation().equals("DE") && n.getName().equals(name))
          .mapToLong(LocalNode::getLastHeartbeatUnixMs)
          .findFirst()
          .orElse(-1);
    } finally {
      ch.shutdownNow();
    }
  }

  private NodeStatus listed(String name) {
    ManagedChannel ch = f.channel(replica, f.operator("DE"));
    try {
      return f
          .federation(ch)
          .listNodes(ListNodesRequest.newBuilder().setNation("DE").build())
          .getNodesList()
          .stream()
          .filter(n -> n.getName().equals(name))
          .findFirst()
          .orElseThrow();
    } finally {
      ch.shutdownNow();
    }
  }

  private Status publish(String nation, String pem) {
    ManagedChannel ch = f.channel(replica, f.operator(nation));
    try {
      PublishRevocationsResponse ignored =
          f.federation(ch)
              .publishRevocations(
                  PublishRevocationsRequest.newBuilder().setNation(nation).setCrlPem(pem).build());
      assertThat(ignored.getCrlNumber()).isPositive();
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } finally {
      ch.shutdownNow();
    }
  }
}
