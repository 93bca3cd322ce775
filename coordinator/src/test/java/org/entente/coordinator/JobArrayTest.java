package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.entente.proto.v1.ArrayRange;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ListJobsRequest;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.SubmitJobResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Job arrays over real mTLS and a real ZooKeeper: one call makes one job per index, each with its
 * index in its parameters, each a job of its own; a retried array makes no second copy; a bad array
 * is refused naming the field and writes nothing.
 */
class JobArrayTest {
  private static CoordinatorFixture f;

  /**
   * As the CLI gives an array (10 s plus 10 ms a job): the leader commits all 10,000 jobs, 30,000
   * znodes, before it answers, which takes 15-20 s on a loaded 2-core machine.
   */
  private static final long ARRAY_DEADLINE_S = 110;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static ArrayRange range(int first, int last, int step) {
    return ArrayRange.newBuilder().setFirst(first).setLast(last).setStep(step).build();
  }

  private static SubmitJobRequest array(String requestId, JobSpec spec, ArrayRange... ranges) {
    return SubmitJobRequest.newBuilder()
        .setSpec(spec)
        .setNation("DE")
        .setRequestId(requestId)
        .addAllArray(List.of(ranges))
        .build();
  }

  private static int jobCount(JobFederation fed) throws Exception {
    var zk = fed.zk();
    return zk.checkExists().forPath("/jobs") == null ? 0 : zk.getChildren().forPath("/jobs").size();
  }

  @Test
  void anArray_makesOneJobPerIndex_eachRunningWithItsIndex() throws Exception {
    JobFederation fed = JobFederation.start(f, "arr-run", JobFlowTest.fast());
    var agent = fed.node("DE", "gpu-1");
    // Through a replica that may not lead: the array is forwarded as one request.
    SubmitJobResponse r =
        fed.jobsVia("FR", "DE")
            .submitJob(
                array(
                    "sweep-1", JobFlowTest.spec("sweep", 1, 0), range(0, 2, 1), range(10, 16, 3)));
    assertThat(r.getArrayIndicesList()).containsExactly(0, 1, 2, 10, 13, 16);
    assertThat(r.getJobIdsList()).hasSize(6).doesNotHaveDuplicates();
    assertThat(r.getJobId()).isEqualTo(r.getJobIds(0));
    assertThat(r.getDuplicate()).isFalse();
    for (int i = 0; i < r.getJobIdsCount(); i++) {
      String id = r.getJobIds(i);
      String index = Integer.toString(r.getArrayIndices(i));
      ShardAssignment a = agent.awaitAssignment(id, 0);
      assertThat(a.getParametersMap()).containsEntry("array.index", index);
      JobStatus s = fed.jobs("JP").getJob(GetJobRequest.newBuilder().setJobId(id).build());
      assertThat(s.getSummary().getArrayIndex()).isEqualTo(r.getArrayIndices(i));
      assertThat(s.getSummary().getName()).isEqualTo("sweep");
      assertThat(s.getSpec().getParametersMap()).containsEntry("array.index", index);
    }
    assertThat(jobCount(fed)).isEqualTo(6);
  }

  @Test
  void tenThousandJobs_areAcceptedInOneCall_andARetryMakesNoneTwice() throws Exception {
    JobFederation fed = JobFederation.start(f, "arr-10k", JobFlowTest.fast());
    fed.node("JP", "cpu-1");
    SubmitJobRequest req = array("big-1", JobFlowTest.spec("big", 1, 0), range(0, 9_999, 1));
    // Through a replica that does not lead: the forward inherits the caller's deadline.
    String follower =
        JobFederation.NATIONS.stream()
            .filter(n -> fed.replica(n) != fed.leader())
            .findFirst()
            .orElseThrow();
    SubmitJobResponse first =
        fed.jobsVia(follower, "DE")
            .withDeadlineAfter(ARRAY_DEADLINE_S, java.util.concurrent.TimeUnit.SECONDS)
            .submitJob(req);
    assertThat(first.getJobIdsCount()).isEqualTo(10_000);
    assertThat(new HashSet<>(first.getJobIdsList())).hasSize(10_000);
    assertThat(jobCount(fed)).isEqualTo(10_000);
    // Every job is accounted on its own: the leader's listing shows each with its index.
    Set<Integer> listed = new HashSet<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              listed.clear();
              fed.jobs("DE")
                  .listJobs(ListJobsRequest.newBuilder().setLimit(20_000).build())
                  .getJobsList()
                  .forEach(j -> listed.add(j.getArrayIndex()));
              return listed.size() == 10_000;
            });
    assertThat(listed).contains(0, 4_999, 9_999).doesNotContain(-1, 10_000);

    SubmitJobResponse again =
        fed.jobsVia("JP", "DE")
            .withDeadlineAfter(ARRAY_DEADLINE_S, java.util.concurrent.TimeUnit.SECONDS)
            .submitJob(req);
    assertThat(again.getDuplicate()).isTrue();
    assertThat(again.getJobIdsList()).isEqualTo(first.getJobIdsList());
    assertThat(jobCount(fed)).isEqualTo(10_000);
  }

  @Test
  void anArrayCutOffByItsLeadersEnd_isCompletedByARetry_withNoJobTwice() throws Exception {
    JobFederation fed = JobFederation.start(f, "arr-crash", JobFlowTest.fast());
    fed.node("JP", "cpu-1");
    Coordinator leader = fed.leader();
    String leaderNation = fed.nationOf(leader);
    String other =
        JobFederation.NATIONS.stream().filter(n -> !n.equals(leaderNation)).findFirst().get();
    SubmitJobRequest req = array("crash-1", JobFlowTest.spec("crash", 1, 0), range(0, 3_999, 1));
    var first =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                fed.jobsVia(other, "DE")
                    .withDeadlineAfter(ARRAY_DEADLINE_S, java.util.concurrent.TimeUnit.SECONDS)
                    .submitJob(req));
    // The leader goes while the array's jobs are being committed.
    var watch = fed.zk();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                watch.checkExists().forPath("/jobs") != null
                    && !watch.getChildren().forPath("/jobs").isEmpty());
    fed.stop(leader);
    try {
      first.join();
    } catch (java.util.concurrent.CompletionException expected) {
      // The answer may be lost with the leader; the client retries with the same request id.
    }
    fed.awaitNewLeader(leader);
    SubmitJobResponse retried =
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () ->
                    fed.jobsVia(other, "DE")
                        .withDeadlineAfter(ARRAY_DEADLINE_S, java.util.concurrent.TimeUnit.SECONDS)
                        .submitJob(req),
                r -> r.getJobIdsCount() == 4_000);
    assertThat(new HashSet<>(retried.getJobIdsList())).hasSize(4_000);
    // Every index is one job in ZooKeeper: none lost with the leader, none made twice.
    assertThat(jobCount(fed)).isEqualTo(4_000);
    Set<String> indices = new HashSet<>();
    var zk = fed.zk();
    for (String id : zk.getChildren().forPath("/jobs")) {
      var job =
          org.entente.coordinator.zk.Json.read(
              zk.getData().forPath("/jobs/" + id), org.entente.coordinator.model.JobRecord.class);
      indices.add(job.spec().parameters().get("array.index"));
    }
    assertThat(indices).hasSize(4_000).contains("0", "3999");
  }

  @Test
  void badArrays_areRefusedNamingTheField_andWriteNothing() throws Exception {
    JobFederation fed = JobFederation.start(f, "arr-bad", JobFlowTest.fast());
    fed.node("DE", "gpu-1");
    JobSpec spec = JobFlowTest.spec("bad", 1, 0);
    assertRefused(fed, array("b1", spec, range(0, 10_000, 1)), "array", "at most 10000 jobs");
    assertRefused(fed, array("b2", spec, range(0, 5, 1), range(5, 9, 1)), "array", "index 5");
    assertRefused(fed, array("b3", spec, range(7, 3, 1)), "array", "FIRST <= LAST");
    assertRefused(fed, array("b4", spec, range(0, 1_000_001, 1)), "array", "1000000");
    assertRefused(
        fed,
        array("b5", spec.toBuilder().putParameters("array.index", "3").build(), range(0, 3, 1)),
        "parameters.array.index",
        "set by the coordinator");
    assertThat(jobCount(fed)).isZero();
  }

  private static void assertRefused(
      JobFederation fed, SubmitJobRequest req, String field, String problem) {
    for (String via : List.of("DE", "FR")) {
      assertThatThrownBy(() -> fed.jobsVia(via, "DE").submitJob(req))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription())
                    .contains("'" + field + "'")
                    .contains(problem);
              });
    }
  }
}
