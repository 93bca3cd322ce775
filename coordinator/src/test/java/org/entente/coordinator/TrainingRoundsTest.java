package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.BufferedInputStream;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.entente.coordinator.artifacts.ArtifactStore;
import org.entente.coordinator.training.RoundUploads;
import org.entente.proto.model.ModelFile;
import org.entente.proto.model.ValueChunks;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ModelHeader;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundOutcome;
import org.entente.proto.v1.RoundResultHeader;
import org.entente.proto.v1.RoundUpdateHeader;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;
import org.entente.proto.v1.TrainingServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FedAvg rounds through real replicas: nodes of three nations send their parameters to their own
 * nation's replica (non-leaders relay to the leader), the leader averages, stores the checkpoint in
 * the replicated artifact store, records the round, and answers. Agents are raw streams so each
 * test controls what is sent.
 */
class TrainingRoundsTest {
  private static final ModelHeader TINY =
      ModelHeader.newBuilder()
          .setArchitecture("mlp")
          .putArchitectureParameters("hidden", "2")
          .setLayout(
              TensorLayout.newBuilder()
                  .addTensors(TensorInfo.newBuilder().setName("w").addShape(3)))
          .build();

  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private record Answer(RoundResultHeader header, float[] values) {}

  private static JobSpec training(String name, String rounds, String minShards, String timeout) {
    JobSpec.Builder b =
        JobSpec.newBuilder()
            .setName(name)
            .setKind("training")
            .setShards(3)
            .setRetryLimit(3)
            .setResources(ShardResources.newBuilder().setGpus(1).setCpus(1))
            .putParameters("rounds", rounds)
            .putParameters("minShards", minShards)
            .putParameters("roundTimeout", timeout);
    for (String n : List.of("DE", "FR", "JP")) {
      b.addData(
          Artifact.newBuilder()
              .setUri("file:///data/" + n + ".csv")
              .setSha256("c".repeat(64))
              .setJurisdiction(n));
    }
    return b.build();
  }

  /** Sends an update as {@code nation}'s node through its own nation's replica. */
  private static CompletableFuture<Answer> send(
      JobFederation fed,
      String nation,
      String node,
      ShardAssignment a,
      int round,
      long examples,
      float... values) {
    return sendVia(fed.replica(nation), nation, node, a, round, examples, values);
  }

  /** Sends an update as {@code nation}'s node through {@code replica}. */
  private static CompletableFuture<Answer> sendVia(
      Coordinator replica,
      String nation,
      String node,
      ShardAssignment a,
      int round,
      long examples,
      float... values) {
    ManagedChannel ch = f.channel(replica, f.node(nation, node));
    CompletableFuture<Answer> out = new CompletableFuture<>();
    StreamObserver<RoundDownload> answers =
        new StreamObserver<>() {
          RoundResultHeader header;
          final List<com.google.protobuf.ByteString> chunks = new ArrayList<>();

          @Override
          public void onNext(RoundDownload m) {
            if (m.hasHeader()) {
              header = m.getHeader();
            } else {
              chunks.add(m.getChunk());
            }
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            ValueChunks.Assembler v = new ValueChunks.Assembler(header.getValueCount());
            chunks.forEach(v::add);
            out.complete(new Answer(header, v.complete()));
          }
        };
    RoundUploads.send(
        TrainingServiceGrpc.newStub(ch).exchangeRound(answers),
        RoundUpdateHeader.newBuilder()
            .setJobId(a.getJobId())
            .setShard(a.getShard())
            .setAttempt(a.getAttempt())
            .setRound(round)
            .setExamples(examples)
            .setLoss(1.0 / examples)
            .setModel(TINY)
            .build(),
        values);
    return out;
  }

  private static JobStatus job(JobFederation fed, String id) {
    return fed.jobs("DE").getJob(GetJobRequest.newBuilder().setJobId(id).build());
  }

  private static Status.Code codeOf(CompletableFuture<Answer> call) {
    try {
      call.get(10, TimeUnit.SECONDS);
      return Status.Code.OK;
    } catch (java.util.concurrent.ExecutionException e) {
      return ((StatusRuntimeException) e.getCause()).getStatus().getCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ShardAssignment running(RawAgent agent, String id, int shard) {
    ShardAssignment a = agent.awaitAssignment(id, shard);
    agent.report(id, shard, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    return a;
  }

  @Test
  void aRound_averagesAllShardsByExamples_storesTheCheckpoint_andRecordsIt() throws Exception {
    JobFederation fed = JobFederation.start(f, "fedavg", JobFlowTest.fast());
    var de = fed.node("DE", "gpu-1");
    var fr = fed.node("FR", "gpu-1");
    var jp = fed.node("JP", "gpu-1");
    String id = fed.submit("DE", training("avg", "2", "3", "30s"));
    // Each partition's shard runs in its own nation.
    ShardAssignment a0 = running(de, id, 0);
    ShardAssignment a1 = running(fr, id, 1);
    ShardAssignment a2 = running(jp, id, 2);

    var r0 = send(fed, "DE", "gpu-1", a0, 1, 1, 1f, 2f, -4f);
    var r1 = send(fed, "FR", "gpu-1", a1, 1, 2, 5f, -2f, 0f);
    assertThat(r0).isNotDone();
    var r2 = send(fed, "JP", "gpu-1", a2, 1, 1, 5f, 2f, 4f);
    // (1*[1,2,-4] + 2*[5,-2,0] + 1*[5,2,4]) / 4 = [4, 0, 0]
    for (var r : List.of(r0, r1, r2)) {
      Answer ans = r.get(15, TimeUnit.SECONDS);
      assertThat(ans.values()).containsExactly(4f, 0f, 0f);
      assertThat(ans.header().getRound()).isEqualTo(1);
      assertThat(ans.header().getIncluded()).isTrue();
      assertThat(ans.header().getContributors()).isEqualTo(3);
    }
    String sha = r0.get().header().getCheckpoint().getSha256();
    assertThat(sha).matches("[0-9a-f]{64}");

    JobStatus s = job(fed, id);
    RoundOutcome round = s.getTraining().getRecent(0);
    assertThat(round.getRound()).isEqualTo(1);
    assertThat(round.getClosedBy()).isEqualTo("all");
    assertThat(round.getExamples()).isEqualTo(4);
    assertThat(round.getContributionsList()).hasSize(3);
    assertThat(s.getTraining().getCheckpoint().getSha256()).isEqualTo(sha);
    assertThat(fed.leader().metrics().fedavgRounds.labelValues("all").get()).isEqualTo(1.0);
    // The checkpoint is a model file with the average, readable from every replica.
    for (String n : JobFederation.NATIONS) {
      try (ArtifactStore.Read read = fed.replica(n).artifacts().openOrFetch(sha).orElseThrow();
          var in = new BufferedInputStream(Channels.newInputStream(read.channel()))) {
        ModelFile m = ModelFile.read(in);
        assertThat(m.values()).containsExactly(4f, 0f, 0f);
        assertThat(m.header().getRound()).isEqualTo(1);
      }
    }
  }

  @Test
  void underTheMedianRule_aPoisonedUpdateIsLeftOut_andTheLedgerNamesItsNode() throws Exception {
    JobFederation fed = JobFederation.start(f, "robust", JobFlowTest.fast());
    var de = fed.node("DE", "gpu-1");
    var fr = fed.node("FR", "gpu-1");
    var jp = fed.node("JP", "gpu-1");
    JobSpec spec =
        training("robust", "2", "3", "30s").toBuilder()
            .putParameters("aggregation", "median")
            .build();
    String id = fed.submit("DE", spec);
    ShardAssignment a0 = running(de, id, 0);
    ShardAssignment a1 = running(fr, id, 1);
    ShardAssignment a2 = running(jp, id, 2);

    var r0 = send(fed, "DE", "gpu-1", a0, 1, 1, 1f, 2f, -4f);
    var r1 = send(fed, "FR", "gpu-1", a1, 1, 1, 1.2f, 1.8f, -3.8f);
    // JP's update is 100 times the others: far outside the round.
    var r2 = send(fed, "JP", "gpu-1", a2, 1, 1, 100f, 200f, -400f);
    for (var r : List.of(r0, r1)) {
      assertThat(r.get(15, TimeUnit.SECONDS).values()).containsExactly(1.1f, 1.9f, -3.9f);
    }
    assertThat(r2.get(15, TimeUnit.SECONDS).header().getIncluded()).isFalse();

    RoundOutcome round = job(fed, id).getTraining().getRecent(0);
    assertThat(round.getContributionsList()).hasSize(2);
    List<org.entente.proto.v1.RefusedUpdateEntry> refused =
        LedgerFlowTest.verify(LedgerFlowTest.stored(fed.zk()), f.pki().bundle()).refusedUpdates();
    assertThat(refused).hasSize(1);
    assertThat(refused.get(0).getNode()).isEqualTo("JP/gpu-1");
    assertThat(refused.get(0).getShard()).isEqualTo(2);
    assertThat(refused.get(0).getRound()).isEqualTo(1);
    assertThat(refused.get(0).getRule()).startsWith("median");
    assertThat(refused.get(0).getReason()).contains("median distance");
  }

  @Test
  void aNode_mayNotSendForAnotherNodesShard_norForAReplacedAttempt() throws Exception {
    JobFederation fed = JobFederation.start(f, "fedauth", JobFlowTest.fast());
    var de = fed.node("DE", "gpu-1");
    fed.node("FR", "gpu-1");
    fed.node("JP", "gpu-1");
    String id = fed.submit("DE", training("auth", "2", "3", "30s"));
    ShardAssignment a0 = running(de, id, 0);
    // FR's node claims DE's shard.
    assertThat(codeOf(send(fed, "FR", "gpu-1", a0, 1, 1, 1f, 1f, 1f)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    // DE's node sends for an attempt that is not the current one.
    ShardAssignment stale = a0.toBuilder().setAttempt(a0.getAttempt() + 5).build();
    assertThat(codeOf(send(fed, "DE", "gpu-1", stale, 1, 1, 1f, 1f, 1f)))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    // A layout that does not match the values sent is refused before it reaches the book.
    assertThat(codeOf(send(fed, "DE", "gpu-1", a0, 1, 1, 1f, 1f)))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(job(fed, id).hasTraining()).isFalse();
  }

  @Test
  void aStraggler_isLeftOutAfterTheTimeout_thenContinuesFromTheAverage() throws Exception {
    JobFederation fed = JobFederation.start(f, "straggle", JobFlowTest.fast());
    var de = fed.node("DE", "gpu-1");
    var fr = fed.node("FR", "gpu-1");
    var jp = fed.node("JP", "gpu-1");
    String id = fed.submit("DE", training("slow", "3", "2", "1s"));
    ShardAssignment a0 = running(de, id, 0);
    ShardAssignment a1 = running(fr, id, 1);
    ShardAssignment a2 = running(jp, id, 2);
    var r0 = send(fed, "DE", "gpu-1", a0, 1, 1, 2f, 2f, 2f);
    var r1 = send(fed, "FR", "gpu-1", a1, 1, 1, 4f, 4f, 4f);
    Answer first = r0.get(15, TimeUnit.SECONDS);
    assertThat(first.values()).containsExactly(3f, 3f, 3f);
    assertThat(r1.get(15, TimeUnit.SECONDS).header().getContributors()).isEqualTo(2);
    RoundOutcome round = job(fed, id).getTraining().getRecent(0);
    assertThat(round.getClosedBy()).isEqualTo("timeout");
    assertThat(round.getMissingList()).containsExactly(2);
    assertThat(fed.leader().metrics().fedavgRounds.labelValues("timeout").get()).isEqualTo(1.0);
    // JP's late update for round 1 is not averaged in: it gets round 1's average to go on from.
    Answer late = send(fed, "JP", "gpu-1", a2, 1, 1, 100f, 100f, 100f).get(15, TimeUnit.SECONDS);
    assertThat(late.header().getIncluded()).isFalse();
    assertThat(late.header().getRound()).isEqualTo(1);
    assertThat(late.values()).containsExactly(3f, 3f, 3f);
  }

  @Test
  void aRequeuedShard_isAssignedTheLastCheckpoint() throws Exception {
    JobFederation fed = JobFederation.start(f, "resume", JobFlowTest.fast());
    var de = fed.node("DE", "gpu-1");
    var fr = fed.node("FR", "gpu-1");
    var jp = fed.node("JP", "gpu-1");
    String id = fed.submit("DE", training("resume", "5", "3", "30s"));
    ShardAssignment a0 = running(de, id, 0);
    assertThat(a0.hasResumeFrom()).isFalse();
    ShardAssignment a1 = running(fr, id, 1);
    ShardAssignment a2 = running(jp, id, 2);
    var calls =
        List.of(
            send(fed, "DE", "gpu-1", a0, 1, 1, 1f, 1f, 1f),
            send(fed, "FR", "gpu-1", a1, 1, 1, 1f, 1f, 1f),
            send(fed, "JP", "gpu-1", a2, 1, 1, 1f, 1f, 1f));
    String sha = calls.get(0).get(15, TimeUnit.SECONDS).header().getCheckpoint().getSha256();
    // DE's node dies; its shard may run only in DE, on another DE node.
    var spare = fed.node("DE", "gpu-2");
    de.close();
    ShardAssignment again = spare.awaitAssignmentAttempt(id, 0, a0.getAttempt() + 1);
    assertThat(again.getResumeFrom().getRound()).isEqualTo(1);
    assertThat(again.getResumeFrom().getSha256()).isEqualTo(sha);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> job(fed, id).getShards(0).getNode().equals("DE/gpu-2"));
  }

  @Test
  void aNewLeader_continuesTheRoundsFromTheRecordedCheckpoint() throws Exception {
    JobFederation fed = JobFederation.start(f, "fedfail", JobFlowTest.fast());
    Coordinator old = fed.leader();
    String via = fed.anyOtherNation(old);
    Coordinator stays = fed.replica(via);
    var agents = new java.util.ArrayList<RawAgent>();
    for (String n : JobFederation.NATIONS) {
      agents.add(fed.nodeVia(via, n, "gpu-1", RawAgent.defaultResources(), (agent, message) -> {}));
    }
    String id = fed.submit("DE", training("failover", "3", "3", "30s"));
    List<ShardAssignment> a = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      a.add(running(agents.get(i), id, i));
    }
    var first = new java.util.ArrayList<CompletableFuture<Answer>>();
    for (int i = 0; i < 3; i++) {
      first.add(sendVia(stays, JobFederation.NATIONS.get(i), "gpu-1", a.get(i), 1, 1, i, i, i));
    }
    for (var r : first) {
      assertThat(r.get(15, TimeUnit.SECONDS).values()).containsExactly(1f, 1f, 1f);
    }
    fed.stop(old);
    Coordinator next = fed.awaitNewLeader(old);
    assertThat(next).isNotSameAs(old);
    // Round 2 goes to the new leader, which starts from the recorded round 1. A late round-1
    // update gets the stored average back.
    Answer late =
        sendVia(stays, "DE", "gpu-1", a.get(0), 1, 1, 9f, 9f, 9f).get(30, TimeUnit.SECONDS);
    assertThat(late.header().getIncluded()).isFalse();
    assertThat(late.values()).containsExactly(1f, 1f, 1f);
    var second = new java.util.ArrayList<CompletableFuture<Answer>>();
    for (int i = 0; i < 3; i++) {
      second.add(sendVia(stays, JobFederation.NATIONS.get(i), "gpu-1", a.get(i), 2, 1, 2, 4, 6));
    }
    for (var r : second) {
      Answer ans = r.get(30, TimeUnit.SECONDS);
      assertThat(ans.header().getRound()).isEqualTo(2);
      assertThat(ans.values()).containsExactly(2f, 4f, 6f);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                fed.jobsVia(via, "DE")
                        .getJob(GetJobRequest.newBuilder().setJobId(id).build())
                        .getTraining()
                        .getCheckpoint()
                        .getRound()
                    == 2);
  }

  @Test
  void aRelay_mayNotSpeakForANodeItDoesNotHold_andPoisonedValuesAreRefused() throws Exception {
    JobFederation fed = JobFederation.start(f, "fedrelay", JobFlowTest.fast());
    var de = fed.node("DE", "gpu-1");
    fed.node("FR", "gpu-1");
    fed.node("JP", "gpu-1");
    String id = fed.submit("DE", training("relay", "2", "3", "30s"));
    ShardAssignment a0 = running(de, id, 0);
    // FR's coordinator relays an update in the name of DE/gpu-1, whose stream DE's replica holds.
    ManagedChannel ch =
        f.channel(fed.leader(), f.keys("FR", org.entente.security.Role.COORDINATOR, "coordinator"));
    CompletableFuture<Answer> forged = new CompletableFuture<>();
    RoundUploads.send(
        org.entente.proto.v1.ReplicaServiceGrpc.newStub(ch)
            .relayRound(
                new StreamObserver<>() {
                  @Override
                  public void onNext(RoundDownload m) {}

                  @Override
                  public void onError(Throwable t) {
                    forged.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    forged.complete(null);
                  }
                }),
        RoundUpdateHeader.newBuilder()
            .setJobId(id)
            .setShard(0)
            .setAttempt(a0.getAttempt())
            .setRound(1)
            .setExamples(1)
            .setModel(TINY)
            .setNode("DE/gpu-1")
            .build(),
        new float[] {1f, 1f, 1f});
    assertThat(codeOf(forged)).isEqualTo(Status.Code.PERMISSION_DENIED);
    // DE's own node sending NaN is refused before it can spoil the average.
    assertThat(codeOf(send(fed, "DE", "gpu-1", a0, 1, 1, 1f, Float.NaN, 1f)))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(job(fed, id).hasTraining()).isFalse();
  }
}
