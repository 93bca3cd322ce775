package org.entente.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.NodeResources;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.KeyPairs;
import org.entente.security.LocalPki;
import org.entente.security.NationCa;
import org.entente.security.Role;
import org.entente.security.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent against real mTLS gateways: register, heartbeat, drain, fail over, refuse
 * non-coordinators.
 */
class NodeAgentTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private final LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE", "FR");
  private final FederationTrust trust = pki.trust();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
  private final NodeResources resources =
      NodeResources.newBuilder().setCpuCores(8).setMemoryBytes(64L << 30).build();
  private FakeGateway first;
  private FakeGateway second;
  private NodeAgent agent;

  @BeforeEach
  void start() throws Exception {
    first =
        new FakeGateway(
            "first", pki.issue(new Identity("DE", Role.COORDINATOR, "c1"), "127.0.0.1"), trust);
    second =
        new FakeGateway(
            "second", pki.issue(new Identity("FR", Role.COORDINATOR, "c2"), "127.0.0.1"), trust);
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    first.close();
    second.close();
    scheduler.shutdownNow();
  }

  private NodeAgent agent(KeyMaterial keys, List<String> coordinators) {
    agent =
        new NodeAgent(
            new AgentSettings(
                keys,
                pki.bundle(),
                coordinators,
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)),
                Duration.ofSeconds(10)),
            () -> resources,
            Clock.systemUTC(),
            new SplittableRandom(1),
            scheduler);
    agent.start();
    return agent;
  }

  @Test
  void start_reachableCoordinator_registersAsItselfThenHeartbeatsWithIncreasingSequence() {
    agent(node, List.of(first.address(), second.address()));

    await().atMost(DEADLINE).until(() -> agent.isRegistered() && "first".equals(agent.replica()));
    await()
        .atMost(DEADLINE)
        .until(() -> first.received.stream().filter(AgentMessage::hasHeartbeat).count() >= 3);
    AgentMessage register = first.received.get(0);
    assertThat(register.hasRegister()).isTrue();
    assertThat(register.getRegister().getNation()).isEqualTo("DE");
    assertThat(register.getRegister().getName()).isEqualTo("gpu-01");
    assertThat(register.getRegister().getResources()).isEqualTo(resources);
    assertThat(first.callers).containsOnly("DE/node/gpu-01");
    List<Long> sequences =
        first.received.stream()
            .filter(AgentMessage::hasHeartbeat)
            .map(m -> m.getHeartbeat().getSequence())
            .toList();
    assertThat(sequences.get(0)).isEqualTo(1);
    assertThat(sequences).isSorted().doesNotHaveDuplicates();
    assertThat(second.received).isEmpty();
  }

  @Test
  void drain_sentDownTheStream_agentDraining() {
    agent(node, List.of(first.address()));
    await().atMost(DEADLINE).until(agent::isRegistered);
    assertThat(agent.isDraining()).isFalse();

    first.drainAll("maintenance");

    await().atMost(DEADLINE).until(agent::isDraining);
  }

  @Test
  void coordinatorDies_agentMovesToNextCoordinatorAndRegistersThere() throws Exception {
    agent(node, List.of(first.address(), second.address()));
    await().atMost(DEADLINE).until(() -> "first".equals(agent.replica()));

    first.close();

    await().atMost(DEADLINE).until(() -> "second".equals(agent.replica()));
    assertThat(second.received.get(0).getRegister().getName()).isEqualTo("gpu-01");
    assertThat(agent.connects()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void drainedThenCoordinatorDies_agentTellsTheNextCoordinatorItIsDraining() throws Exception {
    agent(node, List.of(first.address(), second.address()));
    await().atMost(DEADLINE).until(() -> "first".equals(agent.replica()));
    assertThat(first.received.get(0).getRegister().getDraining()).isFalse();
    first.drainAll("maintenance");
    await().atMost(DEADLINE).until(agent::isDraining);

    first.close();

    await().atMost(DEADLINE).until(() -> "second".equals(agent.replica()));
    assertThat(second.received.get(0).getRegister().getDraining()).isTrue();
  }

  @Test
  void firstAddressUnreachable_agentSkipsItAndRegistersWithTheNext() throws Exception {
    String dead = first.address();
    first.close();

    agent(node, List.of(dead, second.address()));

    await().atMost(DEADLINE).until(() -> "second".equals(agent.replica()));
  }

  @Test
  void registrationRefused_agentStopsAndDoesNotTryOtherCoordinators() {
    first.refuseWith(
        io.grpc.Status.PERMISSION_DENIED.withDescription("may register only as itself"));
    java.util.concurrent.atomic.AtomicReference<io.grpc.Status> told =
        new java.util.concurrent.atomic.AtomicReference<>();
    NodeAgent a =
        new NodeAgent(
            new AgentSettings(
                node,
                pki.bundle(),
                List.of(first.address(), second.address()),
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)),
                Duration.ofSeconds(10)),
            () -> resources,
            Clock.systemUTC(),
            new SplittableRandom(1),
            scheduler);
    agent = a;
    a.onStopped(told::set);
    a.start();

    await().atMost(DEADLINE).until(a::isStopped);
    assertThat(a.lastFailure().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(3))
        .until(() -> second.received.isEmpty() && a.connects() == 1 && !a.isRegistered());
    assertThat(told.get()).isNotNull();
  }

  @Test
  void serverWithoutCoordinatorRole_agentRefusesToRegisterThere() throws Exception {
    // An operator certificate issued with serverAuth, presented by a server: not a coordinator.
    KeyPair keys = KeyPairs.generateP256();
    X509Certificate cert =
        pki.ca("DE")
            .issue(
                new NationCa.Issue(
                    keys.getPublic(),
                    "entente://DE/operator/impostor",
                    List.of("127.0.0.1"),
                    Instant.now().minusSeconds(60),
                    Instant.now().plusSeconds(3600),
                    EnumSet.allOf(Usage.class),
                    false));
    try (FakeGateway impostor =
        new FakeGateway("impostor", KeyMaterial.of(cert, keys.getPrivate()), trust)) {
      agent(node, List.of(impostor.address(), second.address()));

      await().atMost(DEADLINE).until(() -> "second".equals(agent.replica()));
      assertThat(impostor.received).isEmpty();
      assertThat(impostor.callers).isEmpty();
    }
  }
}
