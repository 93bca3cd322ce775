package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.CONNECT;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.DRAIN_LOCAL;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.DRAIN_NODE;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.GET_FEDERATION;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.LIST_NODES;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.LOCAL_NODES;
import static org.entente.coordinator.AuthorizationTableTest.Rpc.PUBLISH_REVOCATIONS;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.proto.v1.Drain;
import org.entente.proto.v1.DrainLocalRequest;
import org.entente.proto.v1.DrainLocalResponse;
import org.entente.proto.v1.DrainNodeRequest;
import org.entente.proto.v1.DrainNodeResponse;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.ListNodesResponse;
import org.entente.proto.v1.LocalNodesRequest;
import org.entente.proto.v1.LocalNodesResponse;
import org.entente.proto.v1.NodeStatus;
import org.entente.proto.v1.PublishRevocationsRequest;
import org.entente.proto.v1.PublishRevocationsResponse;
import org.entente.proto.v1.Registered;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.RevocationList;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The authorization table, over real mutual TLS against one real replica: every caller × every RPC
 * × target nation DE and FR, each cell with its exact expected status code. Allowed cells must also
 * have their effect (registration, drain delivered, list stored); forbidden and refused cells must
 * change nothing, which is read back from ZooKeeper with a plain Curator client.
 *
 * <p>DE/gpu-01 and FR/gpu-01 are kept connected ("residents") for the drain cells, so an allowed
 * drain answers OK rather than NOT_FOUND; they are disconnected for the Connect cells, so a
 * forbidden registration can be checked to leave no znode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationTableTest {
  enum Caller {
    NODE_DE,
    NODE_FR,
    OPERATOR_DE,
    COORDINATOR_FR,
    /** A certificate from a root with a member nation's name but not in the bundle. */
    UNKNOWN_CA,
    /** A TLS client presenting no certificate. */
    NO_CERT
  }

  enum Rpc {
    CONNECT,
    LIST_NODES,
    GET_FEDERATION,
    DRAIN_NODE,
    PUBLISH_REVOCATIONS,
    LOCAL_NODES,
    DRAIN_LOCAL
  }

  private static final Code OK = Code.OK;
  private static final Code DENIED = Code.PERMISSION_DENIED;

  /** What a client sees when the server refuses its TLS handshake. */
  private static final Code REFUSED = Code.UNAVAILABLE;

  /**
   * The table. Columns: NODE_DE, NODE_FR, OPERATOR_DE, COORDINATOR_FR, UNKNOWN_CA, NO_CERT. Connect
   * registers as {@code <target>/gpu-01}; ListNodes filters on the target; drains name {@code
   * <target>/gpu-01}; PublishRevocations sends a list signed by the target's root.
   */
  private static final Object[][] TABLE = {
    {CONNECT, "DE", OK, DENIED, DENIED, DENIED, REFUSED, REFUSED},
    {CONNECT, "FR", DENIED, OK, DENIED, DENIED, REFUSED, REFUSED},
    {LIST_NODES, "DE", DENIED, DENIED, OK, OK, REFUSED, REFUSED},
    {LIST_NODES, "FR", DENIED, DENIED, OK, OK, REFUSED, REFUSED},
    {GET_FEDERATION, "DE", DENIED, DENIED, OK, OK, REFUSED, REFUSED},
    {GET_FEDERATION, "FR", DENIED, DENIED, OK, OK, REFUSED, REFUSED},
    {DRAIN_NODE, "DE", DENIED, DENIED, OK, DENIED, REFUSED, REFUSED},
    {DRAIN_NODE, "FR", DENIED, DENIED, DENIED, DENIED, REFUSED, REFUSED},
    {PUBLISH_REVOCATIONS, "DE", DENIED, DENIED, OK, DENIED, REFUSED, REFUSED},
    {PUBLISH_REVOCATIONS, "FR", DENIED, DENIED, DENIED, DENIED, REFUSED, REFUSED},
    {LOCAL_NODES, "DE", DENIED, DENIED, DENIED, OK, REFUSED, REFUSED},
    {LOCAL_NODES, "FR", DENIED, DENIED, DENIED, OK, REFUSED, REFUSED},
    {DRAIN_LOCAL, "DE", DENIED, DENIED, DENIED, OK, REFUSED, REFUSED},
    {DRAIN_LOCAL, "FR", DENIED, DENIED, DENIED, OK, REFUSED, REFUSED},
  };

  private static final String NODE = "gpu-01";

  private CoordinatorFixture f;
  private LocalPki impostors;
  private Coordinator replica;
  private CuratorFramework zk;
  private final Map<String, RawAgent> residents = new HashMap<>();
  private final AtomicLong crlNumbers = new AtomicLong();

  static Stream<Arguments> cells() {
    return Arrays.stream(TABLE)
        .flatMap(
            row ->
                Arrays.stream(Caller.values())
                    .map(c -> Arguments.of(row[0], row[1], c, row[2 + c.ordinal()])));
  }

  @BeforeAll
  void startFederation() throws Exception {
    f = CoordinatorFixture.start();
    // Roots named like member roots (same subject) but with other keys: not in the bundle.
    impostors = LocalPki.create(CoordinatorFixture.CLOCK, "DE", "FR");
    String chroot = f.newChroot("auth");
    replica = f.startReplica("DE", chroot);
    zk = f.zk(chroot);
    CoordinatorFixture.awaitLeader(List.of(replica));
  }

  @AfterAll
  void stopFederation() throws Exception {
    f.close();
  }

  @Test
  void table_everyCallerRpcAndTarget_coveredExactlyOnce() {
    Map<Rpc, Set<String>> targets = new EnumMap<>(Rpc.class);
    for (Object[] row : TABLE) {
      assertThat(row).hasSize(2 + Caller.values().length);
      assertThat(
              targets
                  .computeIfAbsent((Rpc) row[0], r -> new java.util.TreeSet<>())
                  .add((String) row[1]))
          .as("row %s %s listed once", row[0], row[1])
          .isTrue();
    }
    assertThat(targets).containsOnlyKeys(Rpc.values());
    assertThat(targets.values()).allSatisfy(t -> assertThat(t).containsExactly("DE", "FR"));
    assertThat(cells()).hasSize(Rpc.values().length * 2 * Caller.values().length);
  }

  @ParameterizedTest(name = "{0} target {1} by {2} -> {3}")
  @MethodSource("cells")
  void call_tableCell_exactCodeAndEffectOnlyWhenAllowed(
      Rpc rpc, String target, Caller caller, Code expected) throws Exception {
    ManagedChannel channel = channel(caller, rpc, target);
    try {
      switch (rpc) {
        case CONNECT -> connect(channel, target, caller, expected);
        case LIST_NODES -> listNodes(channel, target, expected);
        case GET_FEDERATION -> getFederation(channel, expected);
        case DRAIN_NODE -> drainNode(channel, target, caller, expected);
        case PUBLISH_REVOCATIONS -> publishRevocations(channel, target, expected);
        case LOCAL_NODES -> localNodes(channel, expected);
        case DRAIN_LOCAL -> drainLocal(channel, target, expected);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  // ------------------------------------------------------------------------------- cells

  private void connect(ManagedChannel channel, String target, Caller caller, Code expected)
      throws Exception {
    residentsGone();
    RawAgent agent = f.agent(channel);
    agent.register(target, NODE);
    if (expected == OK) {
      Registered registered = agent.awaitRegistered();
      NodeRecord record =
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> CoordinatorFixture.presence(zk, target, NODE), Optional::isPresent)
              .orElseThrow();
      assertThat(record.sessionId()).isEqualTo(registered.getSessionId());
      assertThat(record.state()).isEqualTo(NodeState.ACTIVE);
      assertThat(record.replica()).isEqualTo(replica.participantId());
      agent.halfClose();
      assertThat(agent.awaitEnd().getCode()).isEqualTo(Code.OK);
      awaitNoPresence(target);
      return;
    }
    Status end = agent.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(expected);
    assertThat(agent.registrations()).as("Registered replies").isEmpty();
    assertThat(CoordinatorFixture.presence(zk, target, NODE)).as("claimed node's znode").isEmpty();
    Optional<Identity> self = identityOf(caller);
    if (self.isPresent()) {
      assertThat(CoordinatorFixture.presence(zk, self.get().nation(), self.get().name()))
          .as("caller's own znode")
          .isEmpty();
    }
    assertThat(replica.metrics().agentStreams.get()).as("streams held").isZero();
  }

  private void listNodes(ManagedChannel channel, String target, Code expected) throws Exception {
    residentsConnected();
    Result<ListNodesResponse> r =
        invoke(
            () ->
                f.federation(channel)
                    .listNodes(ListNodesRequest.newBuilder().setNation(target).build()));
    assertThat(r.code()).as(r.toString()).isEqualTo(expected);
    if (expected == OK) {
      // Both residents are connected: the filter keeps the target's and drops the other's.
      assertThat(r.value().getNodesList())
          .extracting(n -> n.getNation() + "/" + n.getName())
          .contains(target + "/" + NODE);
      assertThat(r.value().getNodesList()).extracting(NodeStatus::getNation).containsOnly(target);
    }
  }

  private void getFederation(ManagedChannel channel, Code expected) {
    Result<FederationStatus> r =
        invoke(
            () -> f.federation(channel).getFederation(GetFederationRequest.getDefaultInstance()));
    assertThat(r.code()).as(r.toString()).isEqualTo(expected);
    if (expected == OK) {
      assertThat(r.value().getNationsList()).containsExactly("DE", "FR", "JP");
      assertThat(r.value().getAnsweredBy()).isEqualTo("DE/coord-de");
      assertThat(r.value().getEpoch()).isPositive();
    }
  }

  private void drainNode(ManagedChannel channel, String target, Caller caller, Code expected)
      throws Exception {
    residentsConnected();
    Result<DrainNodeResponse> r =
        invoke(
            () ->
                f.federation(channel)
                    .drainNode(
                        DrainNodeRequest.newBuilder()
                            .setNation(target)
                            .setName(NODE)
                            .setReason("authorization table")
                            .build()));
    assertThat(r.code()).as(r.toString()).isEqualTo(expected);
    if (expected == OK) {
      assertThat(r.value().getNode().getState()).isEqualTo("DRAINING");
      Drain drain = residents.get(target).awaitDrain();
      assertThat(drain.getRequestedBy()).isEqualTo(identityOf(caller).orElseThrow().toString());
      assertThat(drain.getReason()).isEqualTo("authorization table");
      awaitPresenceState(target, NodeState.DRAINING);
    } else {
      assertNothingDrained();
    }
  }

  private void publishRevocations(ManagedChannel channel, String target, Code expected)
      throws Exception {
    Optional<String> storedBefore = CoordinatorFixture.storedCrl(zk, target);
    RevocationList heldBefore = replica.trust().snapshot().revocations().get(target);
    long number = crlNumbers.incrementAndGet();
    String pem = f.crl(target, number, List.of());
    Result<PublishRevocationsResponse> r =
        invoke(
            () ->
                f.federation(channel)
                    .publishRevocations(
                        PublishRevocationsRequest.newBuilder()
                            .setNation(target)
                            .setCrlPem(pem)
                            .build()));
    assertThat(r.code()).as(r.toString()).isEqualTo(expected);
    if (expected == OK) {
      assertThat(r.value().getCrlNumber()).isEqualTo(number);
      assertThat(CoordinatorFixture.storedCrl(zk, target)).contains(pem);
      assertThat(replica.trust().snapshot().revocations().get(target).number()).isEqualTo(number);
    } else {
      assertThat(CoordinatorFixture.storedCrl(zk, target))
          .as("stored revocation list of %s", target)
          .isEqualTo(storedBefore);
      assertThat(replica.trust().snapshot().revocations().get(target)).isSameAs(heldBefore);
      if (target.equals("FR")) {
        // No caller in the table may publish for FR, so its list must never have been written.
        assertThat(zk.checkExists().forPath("/nations/FR/crl")).isNull();
      }
    }
  }

  private void localNodes(ManagedChannel channel, Code expected) {
    Result<LocalNodesResponse> r =
        invoke(() -> f.replicaService(channel).localNodes(LocalNodesRequest.getDefaultInstance()));
    assertThat(r.code()).as(r.toString()).isEqualTo(expected);
    if (expected == OK) {
      assertThat(r.value().getReplica()).isEqualTo(replica.participantId());
    }
  }

  private void drainLocal(ManagedChannel channel, String target, Code expected) throws Exception {
    residentsConnected();
    Result<DrainLocalResponse> r =
        invoke(
            () ->
                f.replicaService(channel)
                    .drainLocal(
                        DrainLocalRequest.newBuilder()
                            .setNation(target)
                            .setName(NODE)
                            .setReason("authorization table")
                            .setRequestedBy("FR/coordinator/coord-fr")
                            .build()));
    assertThat(r.code()).as(r.toString()).isEqualTo(expected);
    if (expected == OK) {
      assertThat(r.value().getDelivered()).isTrue();
      assertThat(residents.get(target).awaitDrain().getReason()).isEqualTo("authorization table");
      awaitPresenceState(target, NodeState.DRAINING);
    } else {
      assertNothingDrained();
    }
  }

  // ------------------------------------------------------------------------------- callers

  private ManagedChannel channel(Caller caller, Rpc rpc, String target) {
    return switch (caller) {
      case NODE_DE -> f.channel(replica, f.node("DE", NODE));
      case NODE_FR -> f.channel(replica, f.node("FR", NODE));
      case OPERATOR_DE -> f.channel(replica, f.operator("DE"));
      case COORDINATOR_FR -> f.channel(replica, f.keys("FR", Role.COORDINATOR, "coord-fr"));
      case UNKNOWN_CA -> f.channel(replica, f.clientContext(impostor(rpc, target)));
      case NO_CERT -> f.channel(replica, f.anonymousContext());
    };
  }

  /**
   * The certificate an impostor root would mint to make this cell allowed, were its root trusted.
   */
  private KeyMaterial impostor(Rpc rpc, String target) {
    Identity id =
        switch (rpc) {
          case CONNECT -> new Identity(target, Role.NODE, NODE);
          case LIST_NODES, GET_FEDERATION -> new Identity("DE", Role.OPERATOR, "ops-1");
          case DRAIN_NODE, PUBLISH_REVOCATIONS -> new Identity(target, Role.OPERATOR, "ops-1");
          case LOCAL_NODES, DRAIN_LOCAL -> new Identity(target, Role.COORDINATOR, "coord-x");
        };
    return impostors.issue(id, "127.0.0.1");
  }

  private static Optional<Identity> identityOf(Caller caller) {
    return switch (caller) {
      case NODE_DE -> Optional.of(new Identity("DE", Role.NODE, NODE));
      case NODE_FR -> Optional.of(new Identity("FR", Role.NODE, NODE));
      case OPERATOR_DE -> Optional.of(new Identity("DE", Role.OPERATOR, "ops-1"));
      case COORDINATOR_FR -> Optional.of(new Identity("FR", Role.COORDINATOR, "coord-fr"));
      case UNKNOWN_CA, NO_CERT -> Optional.empty();
    };
  }

  // ------------------------------------------------------------------------------- residents

  /** DE/gpu-01 and FR/gpu-01 connected, ACTIVE, never drained, and visible to the replica. */
  private void residentsConnected() throws Exception {
    for (String nation : List.of("DE", "FR")) {
      RawAgent r = residents.get(nation);
      if (r == null || r.ended() || !r.drains().isEmpty()) {
        if (r != null) {
          r.halfClose();
          r.awaitEnd();
          awaitNoPresence(nation);
        }
        r = f.connectedNode(replica, f.node(nation, NODE));
        residents.put(nation, r);
      }
    }
    KeyMaterial reader = f.operator("DE");
    ManagedChannel ch = f.channel(replica, reader);
    try {
      await()
          .atMost(Duration.ofSeconds(5))
          .alias("residents ACTIVE in the replica's view")
          .until(
              () ->
                  f
                      .federation(ch)
                      .listNodes(ListNodesRequest.getDefaultInstance())
                      .getNodesList()
                      .stream()
                      .filter(
                          n ->
                              n.getName().equals(NODE)
                                  && n.getState().equals("ACTIVE")
                                  && n.getReplica().equals(replica.participantId()))
                      .map(NodeStatus::getNation)
                      .collect(Collectors.toSet()),
              s -> s.containsAll(List.of("DE", "FR")));
    } finally {
      ch.shutdownNow();
    }
    for (String nation : List.of("DE", "FR")) {
      assertThat(CoordinatorFixture.presence(zk, nation, NODE).orElseThrow().state())
          .isEqualTo(NodeState.ACTIVE);
    }
  }

  /** Neither resident got a Drain and both are still ACTIVE in ZooKeeper. */
  private void assertNothingDrained() throws Exception {
    for (String nation : List.of("DE", "FR")) {
      RawAgent r = residents.get(nation);
      assertThat(r.drains()).as("Drain commands sent to %s/%s", nation, NODE).isEmpty();
      assertThat(r.ended()).as("%s resident stream ended", nation).isFalse();
      assertThat(CoordinatorFixture.presence(zk, nation, NODE).orElseThrow().state())
          .as("%s/%s state", nation, NODE)
          .isEqualTo(NodeState.ACTIVE);
    }
  }

  private void residentsGone() throws Exception {
    for (RawAgent r : residents.values()) {
      r.halfClose();
      r.awaitEnd();
    }
    residents.clear();
    awaitNoPresence("DE");
    awaitNoPresence("FR");
    await().atMost(Duration.ofSeconds(5)).until(() -> replica.metrics().agentStreams.get() == 0);
  }

  private void awaitNoPresence(String nation) {
    await()
        .atMost(Duration.ofSeconds(5))
        .alias("no znode for " + nation + "/" + NODE)
        .until(() -> CoordinatorFixture.presence(zk, nation, NODE).isEmpty());
  }

  private void awaitPresenceState(String nation, NodeState state) {
    await()
        .atMost(Duration.ofSeconds(5))
        .alias(nation + "/" + NODE + " " + state + " in ZooKeeper")
        .until(
            () -> CoordinatorFixture.presence(zk, nation, NODE).map(NodeRecord::state),
            s -> s.equals(Optional.of(state)));
  }

  // ------------------------------------------------------------------------------- calls

  record Result<T>(T value, Status status) {
    Code code() {
      return status.getCode();
    }
  }

  private static <T> Result<T> invoke(Supplier<T> call) {
    try {
      return new Result<>(call.get(), Status.OK);
    } catch (StatusRuntimeException e) {
      return new Result<>(null, e.getStatus());
    }
  }
}
