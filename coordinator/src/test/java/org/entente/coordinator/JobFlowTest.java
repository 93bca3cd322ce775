package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.entente.proto.v1.CancelJobRequest;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SubmitJobRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole path of a job over real mTLS and a real ZooKeeper: submit through any replica, the
 * leader's fenced writes, the assignment on the agent's stream, the agent's reports back, and the
 * job's end. Agents are raw streams so each test controls exactly what they report.
 */
class JobFlowTest {
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  /** An inference job run once per shard: these tests are about scheduling, not verification. */
  static JobSpec spec(String name, int shards, int gpus) {
    return JobSpec.newBuilder()
        .setName(name)
        .setKind("inference")
        .putParameters("replicas", "1")
        .setShards(shards)
        .setRetryLimit(1)
        .setResources(ShardResources.newBuilder().setGpus(gpus).setCpus(1))
        .build();
  }

  static UnaryOperator<CoordinatorSettings> fast() {
    return s ->
        s.withScheduling(
            SchedulingSettings.defaults()
                .withTimings(
                    Duration.ofMillis(200),
                    Duration.ofMillis(1500),
                    Duration.ofSeconds(30),
                    Duration.ofMillis(100)));
  }

  private JobStatus awaitJob(JobFederation fed, String id, String state) {
    await()
        .atMost(Duration.ofSeconds(15))
        .alias(id + " " + state)
        .until(() -> job(fed, id).getSummary().getState().equals(state));
    return job(fed, id);
  }

  private JobStatus job(JobFederation fed, String id) {
    return fed.jobs("DE").getJob(GetJobRequest.newBuilder().setJobId(id).build());
  }

  @Test
  void job_runsOnAnAgent_andSucceedsWhenItReports() throws Exception {
    JobFederation fed = JobFederation.start(f, "flow", fast());
    var agent = fed.node("DE", "gpu-1");
    // Submitted through a replica that may not lead: it forwards.
    String id =
        fed.jobs("FR")
            .submitJob(
                SubmitJobRequest.newBuilder()
                    .setSpec(spec("one", 1, 1))
                    .setNation("FR")
                    .setRequestId("r-1")
                    .build())
            .getJobId();
    ShardAssignment a = agent.awaitAssignment(id, 0);
    assertThat(a.getAttempt()).isEqualTo(1);
    assertThat(job(fed, id).getShards(0).getNode()).isEqualTo("DE/gpu-1");
    agent.report(id, 0, 1, ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, id, "RUNNING");
    agent.report(id, 0, 1, ShardPhase.SHARD_PHASE_SUCCEEDED, "ok");
    JobStatus done = awaitJob(fed, id, "SUCCEEDED");
    assertThat(done.getShards(0).getState()).isEqualTo("SUCCEEDED");
    assertThat(done.getSummary().getNation()).isEqualTo("FR");
    await().atMost(Duration.ofSeconds(5)).until(() -> agent.acks().size() >= 2);
  }

  @Test
  void retriedSubmission_withTheSameRequestId_returnsTheFirstJob() throws Exception {
    JobFederation fed = JobFederation.start(f, "dup", fast());
    fed.node("JP", "cpu-1");
    SubmitJobRequest req =
        SubmitJobRequest.newBuilder()
            .setSpec(spec("dup", 1, 0))
            .setNation("DE")
            .setRequestId("same-id")
            .build();
    var first = fed.jobs("DE").submitJob(req);
    // The client retries the same request through another replica.
    var again = fed.jobsVia("JP", "DE").submitJob(req.toBuilder().build());
    assertThat(first.getDuplicate()).isFalse();
    assertThat(again.getJobId()).isEqualTo(first.getJobId());
    assertThat(again.getDuplicate()).isTrue();
    assertThat(fed.zk().getChildren().forPath("/jobs")).hasSize(1);
  }

  @Test
  void submittingOnAnotherNationsAccount_isDenied_andWritesNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "deny", fast());
    assertThatThrownBy(
            () ->
                fed.jobs("DE")
                    .submitJob(
                        SubmitJobRequest.newBuilder()
                            .setSpec(spec("x", 1, 0))
                            .setNation("FR")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(jobCount(fed.zk())).isZero();
  }

  @Test
  void impossibleRequests_areRefusedWithTheField_andWriteNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "impossible", fast());
    fed.node("DE", "gpu-1");
    assertThatThrownBy(
            () ->
                fed.jobs("DE")
                    .submitJob(
                        SubmitJobRequest.newBuilder()
                            .setSpec(spec("big", 1, 8))
                            .setNation("DE")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("resources.gpus")
                  .contains("largest has 1");
            });
    assertThatThrownBy(
            () ->
                fed.jobs("DE")
                    .submitJob(
                        SubmitJobRequest.newBuilder()
                            .setSpec(
                                spec("elsewhere", 1, 0).toBuilder()
                                    .setPlacement(
                                        PlacementRules.newBuilder().addJurisdictions("US")))
                            .setNation("DE")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .contains("placement.jurisdictions[0]")
                    .contains("US is not a member"));
    assertThat(jobCount(fed.zk())).isZero();
  }

  @Test
  void cancel_stopsTheShardOnItsAgent_andOnlyTheOwningNationMayCancel() throws Exception {
    JobFederation fed = JobFederation.start(f, "cancel", fast());
    var agent = fed.node("FR", "gpu-2");
    String id = fed.submit("DE", spec("long", 1, 1));
    ShardAssignment a = agent.awaitAssignment(id, 0);
    agent.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, id, "RUNNING");
    assertThatThrownBy(
            () -> fed.jobs("FR").cancelJob(CancelJobRequest.newBuilder().setJobId(id).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(job(fed, id).getSummary().getState()).isEqualTo("RUNNING");
    fed.jobs("DE").cancelJob(CancelJobRequest.newBuilder().setJobId(id).setReason("done").build());
    awaitJob(fed, id, "CANCELLED");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> agent.cancels().stream().anyMatch(c -> c.getJobId().equals(id)));
  }

  @Test
  void aNodeCannotReportOnAnotherNodesShard() throws Exception {
    JobFederation fed = JobFederation.start(f, "forge", fast());
    var owner = fed.node("DE", "gpu-1");
    String id = fed.submit("DE", spec("mine", 1, 1));
    ShardAssignment a = owner.awaitAssignment(id, 0);
    owner.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, id, "RUNNING");
    // A French node claims the German node's shard succeeded: settled as stale, changes nothing.
    var liar = fed.node("FR", "other");
    liar.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_SUCCEEDED, "trust me");
    await().atMost(Duration.ofSeconds(5)).until(() -> !liar.acks().isEmpty());
    assertThat(job(fed, id).getShards(0).getState()).isEqualTo("RUNNING");
    // A replayed report of an old attempt changes nothing either.
    owner.report(id, 0, a.getAttempt() + 5, ShardPhase.SHARD_PHASE_FAILED, "replay");
    await().atMost(Duration.ofSeconds(5)).until(() -> owner.acks().size() >= 2);
    assertThat(job(fed, id).getShards(0).getState()).isEqualTo("RUNNING");
  }

  @Test
  void aLostNodesShard_isRequeuedWithBackoff_andRunsElsewhere() throws Exception {
    JobFederation fed = JobFederation.start(f, "lost", fast());
    var first = fed.node("DE", "gpu-1");
    String id = fed.submit("DE", spec("survivor", 1, 1));
    ShardAssignment a = first.awaitAssignment(id, 0);
    first.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, id, "RUNNING");
    var second = fed.node("JP", "gpu-9");
    first.close();
    ShardAssignment b = second.awaitAssignment(id, 0);
    assertThat(b.getAttempt()).isEqualTo(a.getAttempt() + 1);
    JobStatus s = job(fed, id);
    assertThat(s.getShards(0).getRetries()).isEqualTo(1);
    assertThat(s.getShards(0).getNode()).isEqualTo("JP/gpu-9");
  }

  @Test
  void failuresPastTheRetryLimit_failTheJobWithTheReason() throws Exception {
    JobFederation fed = JobFederation.start(f, "fail", fast());
    var agent = fed.node("DE", "gpu-1");
    String id = fed.submit("DE", spec("flaky", 1, 1)); // retry limit 1
    for (int attempt = 1; attempt <= 2; attempt++) {
      ShardAssignment a = agent.awaitAssignmentAttempt(id, 0, attempt);
      agent.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_FAILED, "CUDA error: boom");
    }
    JobStatus s = awaitJob(fed, id, "FAILED");
    assertThat(s.getSummary().getReason()).contains("CUDA error: boom").contains("retry limit 1");
  }

  @Test
  void leaderFailover_losesNoJob_andDoesNotPlaceARunningShardAgain() throws Exception {
    JobFederation fed = JobFederation.start(f, "failover", fast());
    var agent = fed.node("DE", "gpu-1");
    String id = fed.submit("DE", spec("steady", 1, 1));
    ShardAssignment a = agent.awaitAssignment(id, 0);
    agent.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, id, "RUNNING");
    Coordinator old = fed.leader();
    String pending = fed.submit("DE", spec("waiting", 1, 1)); // no free GPU: stays pending
    fed.stop(old);
    Coordinator next = fed.awaitNewLeader(old);
    assertThat(next).isNotSameAs(old);
    // The new leader knows both jobs and keeps the running shard where it is.
    String other = fed.anyOtherNation(old);
    assertThat(
            fed.jobs(other)
                .getJob(GetJobRequest.newBuilder().setJobId(pending).build())
                .getSummary()
                .getState())
        .isEqualTo("PENDING");
    if (agent.ended()) {
      // The agent's stream was on the old leader: reconnect to a survivor, still running it.
      agent = fed.reconnect("DE", "gpu-1", id, 0, a.getAttempt());
    }
    agent.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_SUCCEEDED, "");
    JobStatus done = awaitJobVia(fed, other, id, "SUCCEEDED");
    assertThat(done.getShards(0).getAttempt()).isEqualTo(a.getAttempt());
    // The freed GPU goes to the pending job.
    assertThat(agent.awaitAssignment(pending, 0).getAttempt()).isEqualTo(1);
  }

  @Test
  void quotaReclaim_preemptsTheBorrower_whoseShardIsRequeuedNotLost() throws Exception {
    var oneGpuNode = new org.entente.coordinator.scheduler.ResourceVector(1, 16, 64L << 30);
    var quotas =
        java.util.Map.of(
            "DE", org.entente.coordinator.scheduler.Quota.unlimited(oneGpuNode),
            "FR", org.entente.coordinator.scheduler.Quota.unlimited(oneGpuNode));
    JobFederation fed =
        JobFederation.start(
            f,
            "reclaim",
            s -> fast().apply(s).withScheduling(fast().apply(s).scheduling().withQuotas(quotas)));
    var de = fed.node("DE", "gpu-1");
    var fr = fed.node("FR", "gpu-1");
    String mine =
        fed.submit(
            "FR",
            spec("fr-own", 1, 1).toBuilder()
                .setPlacement(PlacementRules.newBuilder().addJurisdictions("FR"))
                .build());
    fr.awaitAssignment(mine, 0);
    // FR's second job borrows DE's idle GPU.
    String borrowed = fed.submit("FR", spec("fr-borrow", 1, 1));
    ShardAssignment onDe = de.awaitAssignment(borrowed, 0);
    de.report(borrowed, 0, onDe.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    awaitJob(fed, borrowed, "RUNNING");
    // DE wants its GPU back.
    String owner = fed.submit("DE", spec("de-own", 1, 1));
    de.awaitAssignment(owner, 0);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> de.cancels().stream().anyMatch(c -> c.getJobId().equals(borrowed)));
    JobStatus b = job(fed, borrowed);
    assertThat(b.getShards(0).getState()).isIn("REQUEUED", "PENDING");
    assertThat(b.getShards(0).getReason()).containsIgnoringCase("preempt");
    assertThat(b.getShards(0).getRetries()).isZero();
    assertThat(b.getSummary().getState()).isEqualTo("PENDING");
  }

  private JobStatus awaitJobVia(JobFederation fed, String nation, String id, String state) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                fed.jobs(nation)
                    .getJob(GetJobRequest.newBuilder().setJobId(id).build())
                    .getSummary()
                    .getState()
                    .equals(state));
    return fed.jobs(nation).getJob(GetJobRequest.newBuilder().setJobId(id).build());
  }

  private static int jobCount(CuratorFramework zk) throws Exception {
    return zk.checkExists().forPath("/jobs") == null ? 0 : zk.getChildren().forPath("/jobs").size();
  }

  @Test
  void anAcknowledgedJob_isReadableAtOnceOnEveryReplica() throws Exception {
    JobFederation fed = JobFederation.start(f, "readthrough", fast());
    fed.node("DE", "gpu-1");
    for (int i = 0; i < 20; i++) {
      String id = fed.submit(JobFederation.NATIONS.get(i % 3), spec("read-" + i, 1, 1));
      // No waiting: a replica whose cache has not caught up reads the job from ZooKeeper.
      for (String n : JobFederation.NATIONS) {
        JobStatus s = fed.jobsVia(n, "DE").getJob(GetJobRequest.newBuilder().setJobId(id).build());
        assertThat(s.getSummary().getJobId()).isEqualTo(id);
        assertThat(s.getShardsList()).hasSize(1);
      }
    }
    // A view whose cache holds nothing (never started) stands for a replica that has not caught
    // up: it reads the job from ZooKeeper.
    String last = fed.submit("DE", spec("read-last", 2, 0));
    try (org.entente.coordinator.jobs.JobView cold =
        new org.entente.coordinator.jobs.JobView(fed.zk())) {
      assertThat(cold.jobWithShards(last)).isEmpty();
      var read = cold.jobWithShardsReadingThrough(last, 5_000).orElseThrow();
      assertThat(read.record().id()).isEqualTo(last);
      assertThat(read.shards()).hasSize(2);
      assertThat(cold.jobWithShardsReadingThrough("j9-999", 5_000)).isEmpty();
      assertThat(cold.jobWithShardsReadingThrough("../x", 5_000)).isEmpty();
    }
    assertThatThrownBy(
            () -> fed.jobs("FR").getJob(GetJobRequest.newBuilder().setJobId("j9-999").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }
}
