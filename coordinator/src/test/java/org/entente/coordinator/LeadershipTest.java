package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.leader.FencedException;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.RosterEntry;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;
import org.entente.proto.v1.ReplicaStatus;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Leader election and epoch fencing on a real ZooKeeper. Tests that depose leaders get a chroot (a
 * federation) of their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeadershipTest {
  private CoordinatorFixture f;

  @BeforeAll
  void startZooKeeper() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  void stopAll() throws Exception {
    f.close();
  }

  private List<Coordinator> threeReplicas(String chroot) throws Exception {
    List<Coordinator> rs = new ArrayList<>();
    for (String nation : List.of("DE", "FR", "JP")) {
      rs.add(f.startReplica(nation, chroot));
    }
    return rs;
  }

  private static long epochIn(CuratorFramework zk) throws Exception {
    return Long.parseLong(
        new String(zk.getData().forPath("/coordinators/epoch"), StandardCharsets.US_ASCII));
  }

  private static long leaders(List<Coordinator> rs) {
    return rs.stream().filter(Coordinator::isLeader).count();
  }

  @Test
  void election_threeReplicas_exactlyOneLeaderHoldingTheCurrentEpoch() throws Exception {
    String chroot = f.newChroot("election");
    List<Coordinator> rs = threeReplicas(chroot);
    CuratorFramework zk = f.zk(chroot);

    Coordinator leader = CoordinatorFixture.awaitLeader(rs);

    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> leaders(rs) == 1 && leader.isLeader());
    long epoch = leader.fence().orElseThrow().epoch();
    assertThat(epochIn(zk)).isEqualTo(epoch);
    for (Coordinator r : rs) {
      assertThat(r.metrics().leader.get()).as(r.participantId()).isEqualTo(r == leader ? 1 : 0);
    }
    Coordinator follower = rs.stream().filter(r -> r != leader).findFirst().orElseThrow();
    FederationStatus status =
        f.federation(follower, f.keys("JP", Role.OPERATOR, "ops-1"))
            .getFederation(GetFederationRequest.getDefaultInstance());
    assertThat(status.getLeader()).isEqualTo(leader.participantId().split("@")[0]);
    assertThat(status.getEpoch()).isEqualTo(epoch);
    assertThat(status.getReplicasList()).hasSize(3);
    assertThat(status.getReplicasList().stream().filter(ReplicaStatus::getLeader))
        .singleElement()
        .extracting(ReplicaStatus::getAddress)
        .isEqualTo(leader.address());
  }

  @Test
  void leaderClosed_anotherReplicaElected_withAHigherEpochEachTime() throws Exception {
    String chroot = f.newChroot("failover");
    List<Coordinator> running = new ArrayList<>(threeReplicas(chroot));
    CuratorFramework zk = f.zk(chroot);
    List<Long> epochs = new ArrayList<>();

    for (int round = 0; round < 3; round++) {
      Coordinator leader = CoordinatorFixture.awaitLeader(running);
      long epoch = leader.fence().orElseThrow().epoch();
      assertThat(leaders(running)).as("leaders in round %d", round).isEqualTo(1);
      assertThat(epochIn(zk)).isEqualTo(epoch);
      epochs.add(epoch);
      if (round < 2) {
        f.stop(leader);
        running.remove(leader);
      }
    }

    assertThat(epochs).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
  }

  @Test
  void epochStore_commitWithStaleFence_fencedAndNothingWritten() throws Exception {
    String chroot = f.newChroot("fencing");
    CuratorFramework clientA = f.zk(chroot);
    CuratorFramework clientB = f.zk(chroot);
    EpochStore storeA = new EpochStore(clientA);
    EpochStore storeB = new EpochStore(clientB);
    byte[] fromA = "written by A".getBytes(StandardCharsets.US_ASCII);
    byte[] fromB = "written by B".getBytes(StandardCharsets.US_ASCII);

    // Stand-ins for each client's latch node: ephemeral, owned by that client's session.
    String latchA = clientA.create().withMode(CreateMode.EPHEMERAL).forPath("/latch-a");
    String latchB = clientB.create().withMode(CreateMode.EPHEMERAL).forPath("/latch-b");
    Fence a = storeA.advance(latchA);
    Fence b = storeB.advance(latchB);

    assertThat(b.epoch()).isGreaterThan(a.epoch());
    assertThatThrownBy(
            () -> storeA.commit(a, List.of(clientA.transactionOp().create().forPath("/x", fromA))))
        .isInstanceOf(FencedException.class)
        .hasMessageContaining("epoch " + a.epoch());
    assertThat(clientB.checkExists().forPath("/x")).as("/x after the fenced write").isNull();

    storeB.commit(b, List.of(clientB.transactionOp().create().forPath("/x", fromB)));

    assertThat(clientA.getData().forPath("/x")).isEqualTo(fromB);
    assertThat(storeA.current()).isEqualTo(b.epoch());
    // Still fenced for any write, not only for creates.
    assertThatThrownBy(
            () -> storeA.commit(a, List.of(clientA.transactionOp().setData().forPath("/x", fromA))))
        .isInstanceOf(FencedException.class);
    assertThat(clientB.getData().forPath("/x")).isEqualTo(fromB);
    // A current fence whose own op fails is not mistaken for fencing.
    assertThatThrownBy(
            () -> storeB.commit(b, List.of(clientB.transactionOp().create().forPath("/x", fromB))))
        .isInstanceOf(KeeperException.NodeExistsException.class);
  }

  @Test
  void epochStore_advanceAfterLatchNodeGone_fencedAndEpochUnchanged() throws Exception {
    String chroot = f.newChroot("advance-after-latch-gone");
    CuratorFramework client = f.zk(chroot);
    EpochStore store = new EpochStore(client);
    String latch = client.create().withMode(CreateMode.EPHEMERAL).forPath("/latch-gone");
    long before = store.advance(latch).epoch();
    client.delete().forPath(latch);

    assertThatThrownBy(() -> store.advance(latch))
        .isInstanceOf(FencedException.class)
        .hasMessageContaining("latch");
    assertThat(store.current()).isEqualTo(before);
  }

  @Test
  void roster_entriesWrittenUnderTwoLeaders_carryTheirWritersEpoch() throws Exception {
    String chroot = f.newChroot("roster-epochs");
    List<Coordinator> running = new ArrayList<>(threeReplicas(chroot));
    CuratorFramework zk = f.zk(chroot);
    Coordinator first = CoordinatorFixture.awaitLeader(running);
    long firstEpoch = first.fence().orElseThrow().epoch();
    // The nodes stay on a replica that outlives the first leader.
    Coordinator holder = running.stream().filter(r -> r != first).findFirst().orElseThrow();
    RawAgent x = f.connectedNode(holder, f.node("DE", "gpu-31"));
    RosterEntry xWritten = awaitRoster(zk, "DE", "gpu-31", NodeState.ACTIVE);
    assertThat(xWritten.epoch()).isEqualTo(firstEpoch);

    f.stop(first);
    running.remove(first);
    Coordinator second = CoordinatorFixture.awaitLeader(running);
    long secondEpoch = second.fence().orElseThrow().epoch();
    RawAgent y = f.connectedNode(holder, f.node("FR", "gpu-32"));
    RosterEntry yWritten = awaitRoster(zk, "FR", "gpu-32", NodeState.ACTIVE);

    assertThat(secondEpoch).isGreaterThan(firstEpoch);
    assertThat(yWritten.epoch()).isEqualTo(secondEpoch);
    assertThat(CoordinatorFixture.rosterEntry(zk, "DE", "gpu-31").orElseThrow().epoch())
        .as("unchanged entry keeps the epoch of the leader that wrote it")
        .isEqualTo(firstEpoch);

    // When x changes (goes LOST), the second leader rewrites it under its own epoch.
    x.stopHeartbeats();
    RosterEntry xRewritten = awaitRoster(zk, "DE", "gpu-31", NodeState.LOST);
    assertThat(xRewritten.epoch()).isEqualTo(secondEpoch);
    assertThat(xRewritten.firstSeenMs()).isEqualTo(xWritten.firstSeenMs());
    assertThat(y.ended()).isFalse();
  }

  private static RosterEntry awaitRoster(
      CuratorFramework zk, String nation, String name, NodeState state) {
    return await()
        .atMost(Duration.ofSeconds(5))
        .alias("roster entry " + nation + "/" + name + " " + state)
        .until(
            () -> CoordinatorFixture.rosterEntry(zk, nation, name),
            (Optional<RosterEntry> e) -> e.isPresent() && e.get().state() == state)
        .orElseThrow();
  }
}
