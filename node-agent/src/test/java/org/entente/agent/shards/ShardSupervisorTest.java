package org.entente.agent.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_CANCELLED;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_FAILED;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_RUNNING;
import static org.entente.proto.v1.ShardPhase.SHARD_PHASE_SUCCEEDED;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.entente.proto.v1.CancelShard;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardReportAck;
import org.entente.proto.v1.ShardResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The supervisor with real runners and threads; its reports go to a plain list. */
class ShardSupervisorTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final long NOW = 1_700_000_000_000L;

  private final Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
  private static final org.entente.security.LocalPki PKI =
      org.entente.security.LocalPki.create(Clock.systemUTC(), "DE");
  private static final org.entente.security.KeyMaterial NODE_KEYS =
      PKI.issue(new org.entente.security.Identity("DE", org.entente.security.Role.NODE, "gpu-01"));
  private final List<ShardReport> sent = new CopyOnWriteArrayList<>();
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private ShardSupervisor supervisor;

  @AfterEach
  void stop() {
    if (supervisor != null) {
      supervisor.close();
    }
    workers.shutdownNow();
    timers.shutdownNow();
  }

  private ShardSupervisor supervisor(
      RunnerRegistry runners, DevicePool devices, ShardSupervisor.Limits limits) {
    supervisor =
        new ShardSupervisor(
            runners,
            devices,
            sent::add,
            new ReceiptSigner(NODE_KEYS, clock),
            clock,
            workers,
            timers,
            limits);
    return supervisor;
  }

  private ShardSupervisor placeholders() {
    return supervisor(
        RunnerRegistry.placeholders(), new DevicePool(List.of()), ShardSupervisor.Limits.DEFAULT);
  }

  private ShardSupervisor with(ShardRunner runner) {
    return supervisor(
        RunnerRegistry.of(Map.of("training", runner)),
        new DevicePool(List.of()),
        ShardSupervisor.Limits.DEFAULT);
  }

  private static ShardAssignment.Builder assignment(String job, int attempt, String... params) {
    ShardAssignment.Builder b =
        ShardAssignment.newBuilder()
            .setJobId(job)
            .setShard(0)
            .setAttempt(attempt)
            .setKind("training")
            .setTotalShards(1);
    for (int i = 0; i < params.length; i += 2) {
      b.putParameters(params[i], params[i + 1]);
    }
    return b;
  }

  private List<ShardReport> reports(String job, int attempt) {
    return sent.stream()
        .filter(r -> r.getJobId().equals(job) && r.getAttempt() == attempt)
        .toList();
  }

  private List<ShardReport> terminal(String job, int attempt) {
    return reports(job, attempt).stream().filter(r -> r.getPhase() != SHARD_PHASE_RUNNING).toList();
  }

  /** Waits for the attempt's end and checks that it is its only end. */
  private ShardReport awaitEnd(String job, int attempt) {
    await().atMost(DEADLINE).until(() -> !terminal(job, attempt).isEmpty());
    assertThat(terminal(job, attempt)).hasSize(1);
    return terminal(job, attempt).get(0);
  }

  private static ShardReportAck ack(String job, int attempt, ShardPhase phase) {
    return ShardReportAck.newBuilder()
        .setJobId(job)
        .setShard(0)
        .setAttempt(attempt)
        .setPhase(phase)
        .build();
  }

  @Test
  void terminalReport_carriesAReceiptSignedByTheNodeKey_overTheAttemptItEnds() throws Exception {
    placeholders()
        .assign(
            assignment("j1", 3, "duration", "10ms")
                .setNation("FR")
                .setResources(org.entente.proto.v1.ShardResources.newBuilder().setGpus(0))
                .build());

    ShardReport end = awaitEnd("j1", 3);

    assertThat(end.hasReceipt()).isTrue();
    org.entente.proto.v1.SignedReceipt signed = end.getReceipt();
    assertThat(
            org.entente.security.Signatures.verify(
                NODE_KEYS.certificate().getPublicKey(),
                org.entente.security.Signatures.RECEIPT,
                signed.getBody().toByteArray(),
                signed.getSignature().toByteArray()))
        .isTrue();
    byte[] tampered = signed.getBody().toByteArray();
    tampered[tampered.length - 1] ^= 1;
    assertThat(
            org.entente.security.Signatures.verify(
                NODE_KEYS.certificate().getPublicKey(),
                org.entente.security.Signatures.RECEIPT,
                tampered,
                signed.getSignature().toByteArray()))
        .isFalse();
    org.entente.proto.v1.UsageReceipt r =
        org.entente.proto.v1.UsageReceipt.parseFrom(signed.getBody());
    assertThat(r.getJobId()).isEqualTo("j1");
    assertThat(r.getAttempt()).isEqualTo(3);
    assertThat(r.getNode()).isEqualTo("DE/gpu-01");
    assertThat(r.getNodeNation()).isEqualTo("DE");
    assertThat(r.getChargedNation()).isEqualTo("FR");
    assertThat(r.getPhase()).isEqualTo("SUCCEEDED");
    assertThat(r.getGpuMs()).isZero(); // a fixed clock: no time passed, and no GPUs
    assertThat(r.getExpiresUnixMs()).isGreaterThan(NOW);
    assertThat(signed.getCertificate().toByteArray())
        .isEqualTo(NODE_KEYS.certificate().getEncoded());
  }

  @Test
  void resentTerminalReport_isTheSameReceipt() {
    placeholders().assign(assignment("j1", 1, "duration", "10ms").build());
    ShardReport end = awaitEnd("j1", 1);

    supervisor.assign(assignment("j1", 1, "duration", "10ms").build()); // resends the end

    await()
        .atMost(DEADLINE)
        .until(
            () ->
                reports("j1", 1).stream().filter(r -> r.getPhase() != SHARD_PHASE_RUNNING).count()
                    == 2);
    List<ShardReport> ends =
        reports("j1", 1).stream().filter(r -> r.getPhase() != SHARD_PHASE_RUNNING).toList();
    assertThat(ends.get(1).getReceipt()).isEqualTo(end.getReceipt());
  }

  @Test
  void assign_placeholderRunsItsDuration_reportsRunningThenSucceeded() {
    placeholders().assign(assignment("j1", 1, "duration", "100ms").build());

    ShardReport end = awaitEnd("j1", 1);

    assertThat(reports("j1", 1))
        .extracting(ShardReport::getPhase)
        .containsExactly(SHARD_PHASE_RUNNING, SHARD_PHASE_SUCCEEDED);
    assertThat(end.getMessage()).isEqualTo("placeholder ran 100ms on devices []");
    assertThat(end.getAtUnixMs()).isEqualTo(NOW);
    assertThat(supervisor.running()).isZero();
    assertThat(supervisor.stats()).isEqualTo(new ShardStats(1, 1, 0, 0, 0));
  }

  @Test
  void assign_failParameter_reportsFailedWithThatText() {
    placeholders().assign(assignment("j1", 1, "duration", "0s", "fail", "disk on fire").build());

    ShardReport end = awaitEnd("j1", 1);

    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(end.getMessage()).isEqualTo("disk on fire");
  }

  @Test
  void assign_failAttempts_failsOnlyAttemptsUpToIt() {
    placeholders();
    supervisor.assign(assignment("j1", 1, "duration", "0s", "failAttempts", "1").build());
    assertThat(awaitEnd("j1", 1).getPhase()).isEqualTo(SHARD_PHASE_FAILED);

    supervisor.assign(assignment("j1", 2, "duration", "0s", "failAttempts", "1").build());

    assertThat(awaitEnd("j1", 2).getPhase()).isEqualTo(SHARD_PHASE_SUCCEEDED);
    assertThat(terminal("j1", 1).get(0).getMessage()).contains("attempt 1 failed on purpose");
  }

  @Test
  void assign_malformedDuration_failsNamingTheParameterAndTheValue() {
    placeholders().assign(assignment("j1", 1, "duration", "soon").build());

    ShardReport end = awaitEnd("j1", 1);

    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(end.getMessage())
        .startsWith("parameter 'duration' must be a whole number followed by ms, s, m or h")
        .endsWith("got 'soon'");
  }

  @Test
  void assign_runnerThrowsRuntimeException_reportsFailedWithItsMessage() {
    with((a, ctx) -> {
          throw new IllegalStateException("weights are NaN");
        })
        .assign(assignment("j1", 1).build());

    ShardReport end = awaitEnd("j1", 1);

    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(end.getMessage()).isEqualTo("weights are NaN");
  }

  @Test
  void assign_runnerThrowsErrorWithoutMessage_reportsFailedAndKeepsServing() {
    AtomicInteger calls = new AtomicInteger();
    with((a, ctx) -> {
          if (calls.incrementAndGet() == 1) {
            throw new StackOverflowError();
          }
          return "fine";
        })
        .assign(assignment("j1", 1).build());
    ShardReport end = awaitEnd("j1", 1);

    supervisor.assign(assignment("j2", 1).build());

    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(end.getMessage()).isEqualTo("StackOverflowError");
    assertThat(awaitEnd("j2", 1).getMessage()).isEqualTo("fine");
  }

  @Test
  void assign_unknownKind_failsNamingTheKindsItRuns() {
    placeholders().assign(assignment("j1", 1).setKind("mining").build());

    ShardReport end = awaitEnd("j1", 1);

    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(end.getMessage())
        .isEqualTo("this agent has no runner for kind 'mining' (it runs inference, training)");
  }

  @Test
  void cancel_sixtySecondPlaceholder_reportsCancelledWithinTwoSeconds() {
    placeholders().assign(assignment("j1", 1, "duration", "60s").build());
    long start = System.nanoTime();

    supervisor.cancel(
        CancelShard.newBuilder()
            .setJobId("j1")
            .setShard(0)
            .setAttempt(1)
            .setReason("job cancelled by DE/operator/alice")
            .build());

    await().atMost(Duration.ofSeconds(2)).until(() -> !terminal("j1", 1).isEmpty());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    ShardReport end = awaitEnd("j1", 1);
    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_CANCELLED);
    assertThat(end.getMessage()).isEqualTo("job cancelled by DE/operator/alice");
    assertThat(supervisor.running()).isZero();
  }

  @Test
  void cancel_otherAttempt_leavesTheRunningOneAlone() {
    placeholders().assign(assignment("j1", 2, "duration", "60s").build());

    supervisor.cancel(CancelShard.newBuilder().setJobId("j1").setShard(0).setAttempt(1).build());

    assertThat(supervisor.running()).isEqualTo(1);
    assertThat(terminal("j1", 2)).isEmpty();
  }

  @Test
  void assign_maxRuntimePasses_reportsFailedExceededItsMaximumRuntime() {
    placeholders().assign(assignment("j1", 1, "duration", "60s").setMaxRuntimeMs(300).build());

    ShardReport end = awaitEnd("j1", 1);

    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(end.getMessage()).isEqualTo("exceeded its maximum runtime of 300ms");
  }

  @Test
  void assign_sameAttemptAgain_runsItOnceAndReportsRunningAgain() {
    AtomicInteger runs = new AtomicInteger();
    with(
        (a, ctx) -> {
          runs.incrementAndGet();
          ctx.awaitCancellation(Duration.ofSeconds(60));
          return "done";
        });

    supervisor.assign(assignment("j1", 1).build());
    supervisor.assign(assignment("j1", 1).build());

    assertThat(reports("j1", 1))
        .extracting(ShardReport::getPhase)
        .containsExactly(SHARD_PHASE_RUNNING, SHARD_PHASE_RUNNING);
    await().atMost(DEADLINE).until(() -> runs.get() == 1);
    assertThat(supervisor.running()).isEqualTo(1);
    assertThat(supervisor.stats().started()).isEqualTo(1);
  }

  @Test
  void assign_sameAttemptAfterItEnded_resendsItsEndAndDoesNotRunItTwice() {
    placeholders().assign(assignment("j1", 1, "duration", "0s").build());
    awaitEnd("j1", 1);

    supervisor.assign(assignment("j1", 1, "duration", "0s").build());

    assertThat(reports("j1", 1))
        .extracting(ShardReport::getPhase)
        .containsExactly(SHARD_PHASE_RUNNING, SHARD_PHASE_SUCCEEDED, SHARD_PHASE_SUCCEEDED);
    assertThat(supervisor.stats().started()).isEqualTo(1);
  }

  @Test
  void assign_newerAttempt_stopsTheOlderFirstThenRunsTheNewer() {
    placeholders().assign(assignment("j1", 1, "duration", "60s").build());

    supervisor.assign(assignment("j1", 2, "duration", "100ms").build());

    ShardReport older = awaitEnd("j1", 1);
    ShardReport newer = awaitEnd("j1", 2);
    assertThat(older.getPhase()).isEqualTo(SHARD_PHASE_CANCELLED);
    assertThat(older.getMessage()).isEqualTo("superseded by attempt 2");
    assertThat(newer.getPhase()).isEqualTo(SHARD_PHASE_SUCCEEDED);
    assertThat(sent.indexOf(older)).as("older ended first").isLessThan(sent.indexOf(newer));
    assertThat(supervisor.stats().started()).isEqualTo(2);
  }

  @Test
  void assign_olderAttemptThanOneKnown_isIgnored() {
    placeholders().assign(assignment("j1", 3, "duration", "60s").build());
    supervisor.assign(assignment("j1", 2, "duration", "0s").build());
    assertThat(reports("j1", 2)).isEmpty();

    supervisor.cancel(CancelShard.newBuilder().setJobId("j1").setShard(0).setAttempt(3).build());
    awaitEnd("j1", 3);
    supervisor.assign(assignment("j1", 1, "duration", "0s").build());

    assertThat(reports("j1", 1)).isEmpty();
    assertThat(supervisor.running()).isZero();
    assertThat(supervisor.stats().started()).isEqualTo(1);
  }

  @Test
  void acknowledge_terminalPhase_clearsItAndTheAttemptsRunningReport() {
    placeholders().assign(assignment("j1", 1, "duration", "0s").build());
    awaitEnd("j1", 1);
    assertThat(supervisor.pendingReports()).hasSize(2);

    supervisor.acknowledge(ack("j1", 1, SHARD_PHASE_SUCCEEDED));

    assertThat(supervisor.pendingReports()).isEmpty();
  }

  @Test
  void acknowledge_runningOnly_keepsTheUnacknowledgedEnd() {
    placeholders().assign(assignment("j1", 1, "duration", "0s").build());
    ShardReport end = awaitEnd("j1", 1);

    supervisor.acknowledge(ack("j1", 1, SHARD_PHASE_RUNNING));
    supervisor.acknowledge(ack("j1", 1, SHARD_PHASE_FAILED));

    assertThat(supervisor.pendingReports()).containsExactly(end);
  }

  @Test
  void pendingReports_forReRegistration_holdUnackedEndsAndLiveAttemptsEvenIfAcked() {
    placeholders();
    supervisor.assign(assignment("done", 1, "duration", "0s").build());
    ShardReport doneEnd = awaitEnd("done", 1);
    supervisor.assign(assignment("live", 1, "duration", "60s").build());
    ShardReport liveRunning = reports("live", 1).get(0);
    supervisor.acknowledge(ack("live", 1, SHARD_PHASE_RUNNING));
    supervisor.acknowledge(ack("done", 1, SHARD_PHASE_RUNNING));

    List<ShardReport> pending = supervisor.pendingReports();

    assertThat(pending).containsExactly(doneEnd, liveRunning);
    assertThat(liveRunning.getPhase()).isEqualTo(SHARD_PHASE_RUNNING);
  }

  @Test
  void unackedReports_overCapacity_oldestDroppedAndCounted() {
    supervisor(
        RunnerRegistry.placeholders(),
        new DevicePool(List.of()),
        new ShardSupervisor.Limits(Duration.ofSeconds(10), 3));
    supervisor.assign(assignment("a", 1, "duration", "0s").build());
    awaitEnd("a", 1);
    supervisor.assign(assignment("b", 1, "duration", "0s").build());
    awaitEnd("b", 1);

    assertThat(supervisor.pendingReports())
        .extracting(ShardReport::getJobId, ShardReport::getPhase)
        .containsExactly(
            tuple("a", SHARD_PHASE_SUCCEEDED),
            tuple("b", SHARD_PHASE_RUNNING),
            tuple("b", SHARD_PHASE_SUCCEEDED));
    assertThat(supervisor.stats().droppedReports()).isEqualTo(1);
  }

  @Test
  void cancel_runnerIgnoresBeingStopped_endReportedAfterTheGraceAndOnlyOnce() {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger returned = new AtomicInteger();
    DevicePool gpus = new DevicePool(List.of(0));
    supervisor(
        RunnerRegistry.of(
            Map.of(
                "training",
                (a, ctx) -> {
                  entered.countDown();
                  while (true) {
                    try {
                      release.await();
                      returned.incrementAndGet();
                      return "finished regardless";
                    } catch (InterruptedException ignored) {
                      // a badly behaved runner
                    }
                  }
                })),
        gpus,
        new ShardSupervisor.Limits(Duration.ofMillis(300), 100));
    supervisor.assign(
        assignment("j1", 1).setResources(ShardResources.newBuilder().setGpus(1)).build());
    await().atMost(DEADLINE).until(() -> entered.getCount() == 0);

    supervisor.cancel(CancelShard.newBuilder().setJobId("j1").setShard(0).setAttempt(1).build());

    ShardReport end = awaitEnd("j1", 1);
    assertThat(end.getPhase()).isEqualTo(SHARD_PHASE_CANCELLED);
    assertThat(gpus.free()).as("still held by the runner").isEmpty();
    release.countDown();
    await().atMost(DEADLINE).until(() -> returned.get() == 1 && gpus.free().equals(List.of(0)));
    assertThat(terminal("j1", 1)).containsExactly(end);
    assertThat(supervisor.stats()).isEqualTo(new ShardStats(1, 0, 0, 1, 0));
  }

  @Test
  void assign_shardsAskingForGpus_getTheLowestFreeOnesAndFailWhenTooFewAreFree() {
    List<List<Integer>> seen = new CopyOnWriteArrayList<>();
    DevicePool gpus = new DevicePool(List.of(0, 1, 2));
    supervisor(
        RunnerRegistry.of(
            Map.of(
                "training",
                (a, ctx) -> {
                  seen.add(ctx.devices());
                  ctx.awaitCancellation(Duration.ofSeconds(60));
                  return "";
                })),
        gpus,
        ShardSupervisor.Limits.DEFAULT);

    supervisor.assign(
        assignment("a", 1).setResources(ShardResources.newBuilder().setGpus(2)).build());
    await().atMost(DEADLINE).until(() -> seen.size() == 1);
    supervisor.assign(
        assignment("b", 1).setResources(ShardResources.newBuilder().setGpus(2)).build());

    ShardReport refused = awaitEnd("b", 1);
    assertThat(seen.get(0)).containsExactly(0, 1);
    assertThat(refused.getPhase()).isEqualTo(SHARD_PHASE_FAILED);
    assertThat(refused.getMessage()).isEqualTo("needs 2 GPUs but only 1 of the node's 3 are free");
    supervisor.cancel(CancelShard.newBuilder().setJobId("a").setShard(0).setAttempt(1).build());
    awaitEnd("a", 1);
    await().atMost(DEADLINE).until(() -> gpus.free().equals(List.of(0, 1, 2)));
  }

  @Test
  void close_attemptsRunning_cancelsEachAndIgnoresLaterAssignments() {
    placeholders();
    supervisor.assign(assignment("a", 1, "duration", "60s").build());
    supervisor.assign(assignment("b", 1, "duration", "60s").build());

    supervisor.close();

    assertThat(awaitEnd("a", 1).getMessage()).isEqualTo("the agent is stopping");
    assertThat(awaitEnd("b", 1).getPhase()).isEqualTo(SHARD_PHASE_CANCELLED);
    supervisor.assign(assignment("c", 1, "duration", "0s").build());
    assertThat(reports("c", 1)).isEmpty();
  }
}
