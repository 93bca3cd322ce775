package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.RosterEntry;
import org.entente.proto.v1.Drain;
import org.entente.proto.v1.DrainNodeRequest;
import org.entente.proto.v1.DrainNodeResponse;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.NodeStatus;
import org.entente.proto.v1.Registered;
import org.entente.security.KeyMaterial;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Presence and liveness of agents across two replicas sharing one ZooKeeper: A (DE) and B (FR).
 * Every test uses its own node name, so they share the federation without interfering.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MembershipTest {
  private static final Duration LOST = CoordinatorFixture.LOST_TIMEOUT;

  private CoordinatorFixture f;
  private Coordinator a;
  private Coordinator b;
  private CuratorFramework zk;

  @BeforeAll
  void startFederation() throws Exception {
    f = CoordinatorFixture.start();
    String chroot = f.newChroot("membership");
    a = f.startReplica("DE", chroot);
    b = f.startReplica("FR", chroot);
    zk = f.zk(chroot);
    CoordinatorFixture.awaitLeader(List.of(a, b));
  }

  @AfterAll
  void stopFederation() throws Exception {
    f.close();
  }

  @Test
  void register_nodeAlreadyDraining_recordedDrainingNotActive() throws Exception {
    RawAgent agent = f.agent(b, f.node("DE", "gpu-19"));
    agent.register("DE", "gpu-19", RawAgent.defaultResources(), true).awaitRegistered();
    agent.startHeartbeats(CoordinatorFixture.HEARTBEAT);

    NodeRecord record = CoordinatorFixture.presence(zk, "DE", "gpu-19").orElseThrow();
    assertThat(record.state()).isEqualTo(NodeState.DRAINING);
    awaitState("DE", "gpu-19", NodeState.DRAINING, Duration.ofSeconds(3));
  }

  @Test
  void register_validNode_ephemeralActiveZnodeOwnedByHoldingReplica() throws Exception {
    RawAgent agent = f.connectedNode(a, f.node("DE", "gpu-11"));
    Registered registered = agent.registrations().get(0);

    NodeRecord record = CoordinatorFixture.presence(zk, "DE", "gpu-11").orElseThrow();
    assertThat(registered.getReplica()).isEqualTo(a.participantId());
    assertThat(registered.getHeartbeatIntervalMs())
        .isEqualTo(CoordinatorFixture.HEARTBEAT.toMillis());
    assertThat(record.state()).isEqualTo(NodeState.ACTIVE);
    assertThat(record.replica()).isEqualTo(a.participantId());
    assertThat(record.sessionId()).isEqualTo(registered.getSessionId());
    assertThat(record.resources().cpuCores()).isEqualTo(16);
    assertThat(record.resources().gpus()).hasSize(1);
    assertThat(record.resources().labels()).containsEntry("zone", "a");
    long owner = CoordinatorFixture.ephemeralOwner(zk, "/nodes/DE/gpu-11");
    assertThat(owner)
        .as("ephemeral, owned by replica A's session")
        .isNotZero()
        .isEqualTo(CoordinatorFixture.ephemeralOwner(zk, "/coordinators/replicas/DE"));

    // The other replica lists it too, with the heartbeat time it asks replica A for.
    NodeStatus seenByB =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () -> listed(b, "DE", "gpu-11"),
                s -> s.isPresent() && s.get().getLastHeartbeatUnixMs() > 0)
            .orElseThrow();
    assertThat(seenByB.getState()).isEqualTo("ACTIVE");
    assertThat(seenByB.getReplica()).isEqualTo(a.participantId());
    assertThat(seenByB.getResources().getCpuCores()).isEqualTo(16);
  }

  @Test
  void heartbeats_stoppedThenResumed_lostThenActiveAgain() throws Exception {
    RawAgent agent = f.connectedNode(a, f.node("DE", "gpu-12"));
    awaitState("DE", "gpu-12", NodeState.ACTIVE, Duration.ofSeconds(3));

    agent.stopHeartbeats();
    long lastSent = agent.lastHeartbeatSentMs();
    awaitState("DE", "gpu-12", NodeState.LOST, LOST.plusMillis(1500));
    long noticedAfter = System.currentTimeMillis() - lastSent;

    assertThat(noticedAfter)
        .as("ms from last heartbeat to LOST")
        .isGreaterThanOrEqualTo(LOST.toMillis());
    await()
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> listed(b, "DE", "gpu-12").map(NodeStatus::getState),
            s -> s.equals(Optional.of("LOST")));
    assertThat(listed(b, "DE", "gpu-12").orElseThrow().getReplica())
        .as("still connected, so still held")
        .isEqualTo(a.participantId());
    assertThat(agent.ended()).isFalse();

    agent.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    awaitState("DE", "gpu-12", NodeState.ACTIVE, Duration.ofSeconds(2));
    await()
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> listed(b, "DE", "gpu-12").map(NodeStatus::getState),
            s -> s.equals(Optional.of("ACTIVE")));
  }

  @Test
  void stream_closed_znodeRemovedAndListedLostFromRoster() throws Exception {
    RawAgent agent = f.connectedNode(a, f.node("DE", "gpu-13"));
    RosterEntry written =
        await()
            .atMost(Duration.ofSeconds(5))
            .alias("the leader records DE/gpu-13 in the roster")
            .until(() -> CoordinatorFixture.rosterEntry(zk, "DE", "gpu-13"), Optional::isPresent)
            .orElseThrow();
    assertThat(written.state()).isEqualTo(NodeState.ACTIVE);

    agent.halfClose();

    assertThat(agent.awaitEnd().getCode()).isEqualTo(Code.OK);
    await()
        .atMost(Duration.ofSeconds(3))
        .until(() -> CoordinatorFixture.presence(zk, "DE", "gpu-13").isEmpty());
    for (Coordinator via : List.of(a, b)) {
      NodeStatus s =
          await()
              .atMost(Duration.ofSeconds(5))
              .until(
                  () -> listed(via, "DE", "gpu-13"),
                  o -> o.isPresent() && o.get().getState().equals("LOST"))
              .orElseThrow();
      assertThat(s.getReplica()).as("no replica holds it").isEmpty();
      assertThat(s.getFirstSeenUnixMs()).isEqualTo(written.firstSeenMs());
      assertThat(s.getResources().getCpuCores()).isEqualTo(16);
    }
    RosterEntry lost =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () -> CoordinatorFixture.rosterEntry(zk, "DE", "gpu-13"),
                e -> e.isPresent() && e.get().state() == NodeState.LOST)
            .orElseThrow();
    assertThat(lost.replica()).isEmpty();
    assertThat(lost.lastSeenMs()).isGreaterThanOrEqualTo(written.lastSeenMs());
  }

  @Test
  void drainNode_nodeHeldByOtherReplica_forwardedDeliveredAndDraining() throws Exception {
    // A DE node served by the FR replica; the DE operator asks the DE replica.
    RawAgent agent = f.connectedNode(b, f.node("DE", "gpu-14"));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> listed(a, "DE", "gpu-14").map(NodeStatus::getReplica),
            r -> r.equals(Optional.of(b.participantId())));

    DrainNodeResponse response =
        f.federation(a, f.operator("DE"))
            .drainNode(
                DrainNodeRequest.newBuilder()
                    .setNation("DE")
                    .setName("gpu-14")
                    .setReason("firmware update")
                    .build());

    assertThat(response.getNode().getState()).isEqualTo("DRAINING");
    assertThat(response.getNode().getReplica()).isEqualTo(b.participantId());
    Drain drain = agent.awaitDrain();
    assertThat(drain.getReason()).isEqualTo("firmware update");
    // The operator's name as the forwarding replica claims it, and that replica's own identity.
    assertThat(drain.getRequestedBy())
        .startsWith("DE/operator/ops-1 via ")
        .contains("/coordinator/");
    awaitState("DE", "gpu-14", NodeState.DRAINING, Duration.ofSeconds(3));
    // Heartbeats keep coming; the node stays DRAINING rather than flipping back to ACTIVE.
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .until(
            () -> CoordinatorFixture.presence(zk, "DE", "gpu-14").map(NodeRecord::state),
            s -> s.equals(Optional.of(NodeState.DRAINING)));
    await()
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> listed(a, "DE", "gpu-14").map(NodeStatus::getState),
            s -> s.equals(Optional.of("DRAINING")));
    assertThat(agent.ended()).isFalse();
    assertThat(agent.drains()).hasSize(1);
  }

  @Test
  void drainNode_nodeNotConnected_notFound() {
    assertThatThrownBy(
            () ->
                f.federation(a, f.operator("DE"))
                    .drainNode(
                        DrainNodeRequest.newBuilder().setNation("DE").setName("gpu-99").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("DE/gpu-99");
            });
  }

  @Test
  void connect_sameNodeTwiceOnOneReplica_olderStreamAbortedNewerKeepsZnode() throws Exception {
    KeyMaterial node = f.node("DE", "gpu-15");
    RawAgent older = f.connectedNode(a, node);

    RawAgent newer = f.connectedNode(a, node);

    Status end = older.awaitEnd();
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.ABORTED);
    assertThat(end.getDescription()).contains("superseded");
    String newerSession = newer.registrations().get(0).getSessionId();
    assertThat(newerSession).isNotEqualTo(older.registrations().get(0).getSessionId());
    // The older stream's end must not take the newer one's presence with it.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(
            () -> CoordinatorFixture.presence(zk, "DE", "gpu-15").map(NodeRecord::sessionId),
            s -> s.equals(Optional.of(newerSession)));
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-15").orElseThrow().state())
        .isEqualTo(NodeState.ACTIVE);
    assertThat(newer.ended()).isFalse();
  }

  @Test
  void connect_nodeMovesToOtherReplicaWhileStale_takenOverAndOldStreamClosed() throws Exception {
    KeyMaterial node = f.node("DE", "gpu-16");
    RawAgent onA = f.connectedNode(a, node);
    long sessionA = CoordinatorFixture.ephemeralOwner(zk, "/coordinators/replicas/DE");
    long sessionB = CoordinatorFixture.ephemeralOwner(zk, "/coordinators/replicas/FR");
    assertThat(CoordinatorFixture.ephemeralOwner(zk, "/nodes/DE/gpu-16")).isEqualTo(sessionA);

    // The node reconnects through B while A still holds its (now stale) stream and znode.
    RawAgent onB = f.connectedNode(b, node);

    String sessionOnB = onB.registrations().get(0).getSessionId();
    NodeRecord record = CoordinatorFixture.presence(zk, "DE", "gpu-16").orElseThrow();
    assertThat(record.replica()).isEqualTo(b.participantId());
    assertThat(record.sessionId()).isEqualTo(sessionOnB);
    assertThat(CoordinatorFixture.ephemeralOwner(zk, "/nodes/DE/gpu-16")).isEqualTo(sessionB);
    assertThat(zk.getChildren().forPath("/nodes/DE")).containsOnlyOnce("gpu-16");
    Status end = onA.awaitEnd(Duration.ofSeconds(5));
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.ABORTED);
    assertThat(end.getDescription()).contains("another replica");
    // A gives up for good: it neither deletes nor re-claims B's znode.
    await()
        .during(Duration.ofMillis(700))
        .atMost(Duration.ofSeconds(2))
        .until(() -> CoordinatorFixture.ephemeralOwner(zk, "/nodes/DE/gpu-16") == sessionB);
    assertThat(onB.ended()).isFalse();
  }

  // ------------------------------------------------------------------ helpers

  private Optional<NodeStatus> listed(Coordinator via, String nation, String name) {
    ManagedChannel ch = f.channel(via, f.operator("DE"));
    try {
      return f
          .federation(ch)
          .listNodes(ListNodesRequest.newBuilder().setNation(nation).build())
          .getNodesList()
          .stream()
          .filter(n -> n.getName().equals(name))
          .findFirst();
    } finally {
      ch.shutdownNow();
    }
  }

  private void awaitState(String nation, String name, NodeState state, Duration within) {
    await()
        .atMost(within)
        .alias(nation + "/" + name + " " + state + " in ZooKeeper")
        .until(
            () -> CoordinatorFixture.presence(zk, nation, name).map(NodeRecord::state),
            s -> s.equals(Optional.of(state)));
  }
}
