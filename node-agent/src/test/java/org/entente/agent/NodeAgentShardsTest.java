package org.entente.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_CANCELLED;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_RUNNING;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_SUCCEEDED;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CancelShard;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardReportAck;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shards over a real mTLS stream: the gateway assigns, the agent reports, the gateway acknowledges;
 * what is not acknowledged when the stream breaks comes back in the next Register.
 */
class NodeAgentShardsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private final LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE");
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private FakeGateway gateway;
  private NodeAgent agent;

  @BeforeEach
  void start() throws Exception {
    gateway =
        new FakeGateway(
            "c1", pki.issue(new Identity("DE", Role.COORDINATOR, "c1"), "127.0.0.1"), pki.trust());
    agent =
        new NodeAgent(
            new AgentSettings(
                pki.issue(new Identity("DE", Role.NODE, "gpu-01")),
                pki.bundle(),
                List.of(gateway.address()),
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)),
                Duration.ofSeconds(10)),
            () -> NodeResources.newBuilder().setCpuCores(8).setMemoryBytes(64L << 30).build(),
            Clock.systemUTC(),
            new SplittableRandom(1),
            scheduler);
    agent.start();
    await().atMost(DEADLINE).until(agent::isRegistered);
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    gateway.close();
    scheduler.shutdownNow();
  }

  private static CoordinatorMessage assign(String job, String duration) {
    return CoordinatorMessage.newBuilder()
        .setAssign(
            ShardAssignment.newBuilder()
                .setJobId(job)
                .setShard(0)
                .setAttempt(1)
                .setKind("training")
                .putParameters("duration", duration))
        .build();
  }

  private static CoordinatorMessage ack(String job, ShardPhase phase) {
    return CoordinatorMessage.newBuilder()
        .setReportAck(
            ShardReportAck.newBuilder().setJobId(job).setShard(0).setAttempt(1).setPhase(phase))
        .build();
  }

  private List<ShardPhase> phasesOf(String job) {
    return gateway.received.stream()
        .filter(AgentMessage::hasShardReport)
        .map(AgentMessage::getShardReport)
        .filter(r -> r.getJobId().equals(job))
        .map(ShardReport::getPhase)
        .toList();
  }

  private List<Register> registers() {
    return gateway.received.stream()
        .filter(AgentMessage::hasRegister)
        .map(AgentMessage::getRegister)
        .toList();
  }

  @Test
  void assignedShard_reportedAndAcked_thenUnackedEndComesBackInTheNextRegister() {
    assertThat(registers().get(0).getShardsList()).isEmpty();
    gateway.sendAll(assign("j1", "200ms"));

    await().atMost(DEADLINE).until(() -> phasesOf("j1").size() == 2);
    assertThat(phasesOf("j1")).containsExactly(SHARD_PHASE_RUNNING, SHARD_PHASE_SUCCEEDED);
    gateway.sendAll(ack("j1", SHARD_PHASE_RUNNING));
    gateway.sendAll(ack("j1", SHARD_PHASE_SUCCEEDED));

    // Sent after the acks on the same stream, so the agent has applied them when j2 reports.
    gateway.sendAll(assign("j2", "100ms"));
    await().atMost(DEADLINE).until(() -> phasesOf("j2").contains(SHARD_PHASE_SUCCEEDED));
    gateway.sendAll(ack("j2", SHARD_PHASE_RUNNING));
    gateway.dropAll();

    await().atMost(DEADLINE).until(() -> registers().size() == 2);
    assertThat(registers().get(1).getShardsList())
        .extracting(ShardReport::getJobId, ShardReport::getPhase)
        .containsExactly(tuple("j2", SHARD_PHASE_SUCCEEDED));

    await().atMost(DEADLINE).until(() -> agent.isRegistered() && gateway.openStreams() == 1);
    gateway.sendAll(ack("j2", SHARD_PHASE_SUCCEEDED));
    gateway.sendAll(assign("j3", "0s"));
    await().atMost(DEADLINE).until(() -> phasesOf("j3").contains(SHARD_PHASE_SUCCEEDED));
    gateway.sendAll(ack("j3", SHARD_PHASE_SUCCEEDED));
    gateway.sendAll(assign("j4", "0s"));
    await().atMost(DEADLINE).until(() -> phasesOf("j4").contains(SHARD_PHASE_SUCCEEDED));
    gateway.dropAll();

    await().atMost(DEADLINE).until(() -> registers().size() == 3);
    assertThat(registers().get(2).getShardsList())
        .extracting(ShardReport::getJobId)
        .containsExactly("j4", "j4");
  }

  @Test
  void runningShard_streamDrops_nextRegisterSaysItIsStillRunning() {
    gateway.sendAll(assign("long", "60s"));
    await().atMost(DEADLINE).until(() -> phasesOf("long").contains(SHARD_PHASE_RUNNING));
    gateway.sendAll(ack("long", SHARD_PHASE_RUNNING));
    gateway.sendAll(
        CoordinatorMessage.newBuilder()
            .setDrain(org.entente.proto.v1.Drain.newBuilder().setReason("maintenance"))
            .build());
    await().atMost(DEADLINE).until(agent::isDraining);

    gateway.dropAll();

    await().atMost(DEADLINE).until(() -> registers().size() == 2);
    Register again = registers().get(1);
    assertThat(again.getDraining()).isTrue();
    assertThat(again.getShardsList())
        .extracting(ShardReport::getJobId, ShardReport::getPhase)
        .containsExactly(tuple("long", SHARD_PHASE_RUNNING));
  }

  @Test
  void cancelDownTheStream_stopsTheShardAndReportsCancelled() {
    gateway.sendAll(assign("j1", "60s"));
    await().atMost(DEADLINE).until(() -> phasesOf("j1").contains(SHARD_PHASE_RUNNING));

    gateway.sendAll(
        CoordinatorMessage.newBuilder()
            .setCancel(
                CancelShard.newBuilder()
                    .setJobId("j1")
                    .setShard(0)
                    .setAttempt(1)
                    .setReason("job cancelled"))
            .build());

    await().atMost(Duration.ofSeconds(2)).until(() -> phasesOf("j1").size() == 2);
    assertThat(phasesOf("j1")).containsExactly(SHARD_PHASE_RUNNING, SHARD_PHASE_CANCELLED);
  }

  @Test
  void close_shardRunning_reportsItCancelledBeforeTheStreamCloses() {
    gateway.sendAll(assign("j1", "60s"));
    await().atMost(DEADLINE).until(() -> phasesOf("j1").contains(SHARD_PHASE_RUNNING));

    agent.close();

    await().atMost(DEADLINE).until(() -> phasesOf("j1").contains(SHARD_PHASE_CANCELLED));
    assertThat(agent.shardStats().cancelled()).isEqualTo(1);
  }
}
