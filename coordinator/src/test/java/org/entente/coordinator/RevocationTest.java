package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.Status.Code;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.entente.proto.v1.PublishRevocationsRequest;
import org.entente.proto.v1.PublishRevocationsResponse;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Revocation across replicas: the DE operator publishes a list on replica A (DE); replica B (FR)
 * only learns of it by polling ZooKeeper, and must then cut the revoked agent's live stream and
 * refuse the certificate on new streams and connections.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RevocationTest {
  private static final Duration POLL = CoordinatorFixture.REVOCATION_POLL;

  private CoordinatorFixture f;
  private Coordinator a;
  private Coordinator b;
  private CuratorFramework zk;
  private final AtomicLong crlNumbers = new AtomicLong();
  private final List<BigInteger> revoked = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startFederation() throws Exception {
    f = CoordinatorFixture.start();
    String chroot = f.newChroot("revocation");
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
  void publishRevocations_agentStreamOnOtherReplica_cutWithinPollIntervalAndRefusedAfter()
      throws Exception {
    KeyMaterial victim = f.freshKeys("DE", Role.NODE, "gpu-21");
    ManagedChannel victimChannel = f.channel(b, victim);
    RawAgent agent = f.agent(victimChannel);
    agent.register("DE", "gpu-21").awaitRegistered();
    agent.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-21").orElseThrow().replica())
        .isEqualTo(b.participantId());
    double cutBefore = b.metrics().streamsCut.get();

    long publishedAt = System.currentTimeMillis();
    PublishRevocationsResponse published = publishOnA(victim);
    Status end = agent.awaitEnd(POLL.plusSeconds(3));
    long cutAfterMs = agent.endedAtMs() - publishedAt;

    System.out.printf(
        "REVOCATION CUT: agent stream on replica B ended %d ms after PublishRevocations was sent"
            + " to replica A (poll interval %d ms)%n",
        cutAfterMs, POLL.toMillis());
    assertThat(published.getRevokedCount()).isEqualTo(revoked.size());
    assertThat(end.getCode()).as(end.toString()).isEqualTo(Code.UNAUTHENTICATED);
    assertThat(end.getDescription()).contains("DE/node/gpu-21", "revoked");
    assertThat(cutAfterMs).as("ms from publish to cut").isLessThanOrEqualTo(POLL.toMillis() + 1000);
    // Counted right after the stream is closed, so the client may see the end first.
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> b.metrics().streamsCut.get(), n -> n == cutBefore + 1);

    // A new stream on the connection that is still open: the per-call check refuses it.
    RawAgent sameConnection = f.agent(victimChannel);
    sameConnection.register("DE", "gpu-21");
    Status again = sameConnection.awaitEnd();
    assertThat(again.getCode()).as(again.toString()).isEqualTo(Code.UNAUTHENTICATED);
    assertThat(sameConnection.registrations()).isEmpty();

    // A new connection: the handshake itself is refused.
    RawAgent newConnection = f.agent(b, victim);
    newConnection.register("DE", "gpu-21");
    Status refused = newConnection.awaitEnd();
    assertThat(refused.getCode()).as(refused.toString()).isEqualTo(Code.UNAVAILABLE);
    assertThat(newConnection.registrations()).isEmpty();

    // The revoked node holds no presence any more.
    await()
        .atMost(Duration.ofSeconds(3))
        .alias("presence of revoked DE/gpu-21 released")
        .until(() -> CoordinatorFixture.presence(zk, "DE", "gpu-21").isEmpty());
  }

  @Test
  void connect_certificateRevokedEarlier_refusedOnEveryReplicaAndNoZnode() throws Exception {
    KeyMaterial victim = f.freshKeys("DE", Role.NODE, "gpu-22");
    publishOnA(victim);
    BigInteger serial = victim.certificate().getSerialNumber();
    await()
        .atMost(POLL.plusSeconds(1))
        .alias("replica B installs the list from ZooKeeper")
        .until(() -> b.trust().snapshot().isRevoked("DE", serial));
    assertThat(a.trust().snapshot().isRevoked("DE", serial)).isTrue();

    for (Coordinator replica : List.of(a, b)) {
      RawAgent agent = f.agent(replica, victim);
      agent.register("DE", "gpu-22");
      Status end = agent.awaitEnd();
      assertThat(end.getCode())
          .as("%s: %s", replica.participantId(), end)
          .isIn(Code.UNAVAILABLE, Code.UNAUTHENTICATED);
      assertThat(agent.registrations()).isEmpty();
    }
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-22")).isEmpty();

    // Control: another certificate for the very same node still gets in.
    KeyMaterial reissued = f.freshKeys("DE", Role.NODE, "gpu-22");
    RawAgent control = f.agent(b, reissued);
    control.register("DE", "gpu-22").awaitRegistered();
    assertThat(CoordinatorFixture.presence(zk, "DE", "gpu-22")).isPresent();
    control.halfClose();
    assertThat(control.awaitEnd().getCode()).isEqualTo(Code.OK);
  }

  /** Adds {@code victim} to DE's list and publishes the next list through replica A. */
  private PublishRevocationsResponse publishOnA(KeyMaterial victim) {
    revoked.add(victim.certificate().getSerialNumber());
    String pem = f.crl("DE", crlNumbers.incrementAndGet(), List.copyOf(revoked));
    ManagedChannel ch = f.channel(a, f.operator("DE"));
    try {
      return f.federation(ch)
          .publishRevocations(
              PublishRevocationsRequest.newBuilder().setNation("DE").setCrlPem(pem).build());
    } finally {
      ch.shutdownNow();
    }
  }
}
