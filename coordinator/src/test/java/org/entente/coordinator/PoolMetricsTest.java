package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.entente.proto.v1.JobServiceGrpc;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SubmitJobRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each replica's {@code /metrics}, scraped over HTTP from a real federation (three replicas on
 * ZooKeeper, agents and operators over mTLS): the pool gauges on every replica, leader or not, the
 * leader's placement and scheduling figures, the ledger's cosigned checkpoint, and the gRPC calls
 * by status code.
 */
class PoolMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static JobSpec spec(int gpus) {
    return JobSpec.newBuilder()
        .setName("metrics")
        .setKind("inference")
        .putParameters("replicas", "1")
        .setShards(1)
        .setRetryLimit(1)
        .setResources(ShardResources.newBuilder().setGpus(gpus).setCpus(1))
        .setPlacement(PlacementRules.newBuilder().addJurisdictions("DE"))
        .build();
  }

  private static Scrape scrape(Coordinator c) throws Exception {
    return Scrape.of(c.metricsPort());
  }

  @Test
  void everyReplica_reportsNodesGpusShardsAndQuotas_fromItsOwnViews() throws Exception {
    JobFederation fed = JobFederation.start(f, "pool", s -> s.withMetricsPort(0));
    RawAgent de = fed.node("DE", "gpu-1");
    fed.node("FR", "gpu-2");
    String id = fed.submit("DE", spec(1));
    // Its jurisdiction is DE: the shard can only go to DE/gpu-1.
    ShardAssignment a = de.awaitAssignment(id, 0);
    List<Coordinator> replicas = List.of(fed.replica("DE"), fed.replica("FR"), fed.replica("JP"));
    for (Coordinator c : replicas) {
      await()
          .atMost(WAIT)
          .alias("pool gauges on " + c.participantId())
          .untilAsserted(
              () -> {
                Scrape m = scrape(c);
                assertThat(m.value("entente_nodes", "nation", "DE", "state", "ACTIVE"))
                    .isEqualTo(1);
                assertThat(m.value("entente_nodes", "nation", "FR", "state", "ACTIVE"))
                    .isEqualTo(1);
                assertThat(m.value("entente_nodes", "nation", "JP", "state", "ACTIVE"))
                    .isEqualTo(0);
                assertThat(m.value("entente_nodes", "nation", "DE", "state", "LOST")).isEqualTo(0);
                assertThat(m.value("entente_gpus_used", "nation", "DE")).isEqualTo(1);
                assertThat(m.value("entente_gpus_free", "nation", "DE")).isEqualTo(0);
                assertThat(m.value("entente_gpus_used", "nation", "FR")).isEqualTo(0);
                assertThat(m.value("entente_gpus_free", "nation", "FR")).isEqualTo(1);
                assertThat(m.value("entente_shards", "nation", "DE", "state", "placed"))
                    .isEqualTo(1);
                assertThat(m.value("entente_shards", "nation", "DE", "state", "pending"))
                    .isEqualTo(0);
                assertThat(m.value("entente_quota_used_gpus", "nation", "DE")).isEqualTo(1);
                assertThat(m.value("entente_quota_used_gpus", "nation", "FR")).isEqualTo(0);
                // No governed quotas: nominal is what each nation's live nodes contribute.
                assertThat(m.value("entente_quota_nominal_gpus", "nation", "DE")).isEqualTo(1);
                assertThat(m.value("entente_quota_nominal_gpus", "nation", "JP")).isEqualTo(0);
              });
    }

    de.report(id, 0, a.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING, "");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Scrape m = scrape(fed.replica("JP"));
              assertThat(m.value("entente_shards", "nation", "DE", "state", "running"))
                  .isEqualTo(1);
              assertThat(m.value("entente_shards", "nation", "DE", "state", "placed")).isEqualTo(0);
            });

    Coordinator leader = fed.leader();
    Scrape m = scrape(leader);
    assertThat(m.value("entente_leader")).isEqualTo(1);
    assertThat(m.value("entente_fencing_epoch")).isPositive();
    assertThat(m.value("entente_shards_placed_total")).isEqualTo(1);
    assertThat(m.value("entente_scheduling_wait_seconds_count")).isEqualTo(1);
    assertThat(m.value("entente_scheduling_wait_seconds_sum")).isBetween(0.0, 15.0);
    assertThat(m.value("entente_scheduling_pass_seconds_count")).isPositive();
    for (Coordinator c : replicas) {
      if (c != leader) {
        Scrape follower = scrape(c);
        assertThat(follower.value("entente_leader")).isEqualTo(0);
        assertThat(follower.valueOrZero("entente_scheduling_wait_seconds_count")).isZero();
      }
    }
  }

  @Test
  void witness_reportsTheLastCosignedCheckpoint_sizeAndTime() throws Exception {
    JobFederation fed = JobFederation.start(f, "ckpt", s -> s.withMetricsPort(0));
    RawAgent de = fed.node("DE", "gpu-1");
    String id = fed.submit("DE", spec(1));
    de.awaitAssignment(id, 0);
    double now = CoordinatorFixture.CLOCK.millis() / 1000.0;
    // The placement is a ledger entry; the leader checkpoints it and every witness cosigns.
    for (String nation : JobFederation.NATIONS) {
      await()
          .atMost(WAIT)
          .alias("cosigned checkpoint on " + nation)
          .untilAsserted(
              () -> {
                Scrape s = scrape(fed.replica(nation));
                assertThat(s.value("entente_ledger_cosigned_size")).isPositive();
                assertThat(s.value("entente_ledger_cosigned_timestamp_seconds"))
                    .isBetween(now - 60, now + 60);
              });
    }
    assertThat(scrape(fed.replica("DE")).valueOrZero("entente_ledger_witness_alarms_total"))
        .isZero();
  }

  @Test
  void grpcCalls_areCountedByMethodAndStatusCode_refusalsUnderTheirCode() throws Exception {
    JobFederation fed = JobFederation.start(f, "grpc", s -> s.withMetricsPort(0));
    Coordinator de = fed.replica("DE");
    String submit = JobServiceGrpc.getSubmitJobMethod().getFullMethodName();
    fed.node("DE", "gpu-1");
    fed.submit("DE", spec(0));
    // DE's operator may not charge FR: refused by authorization, before any service work.
    assertThatThrownBy(
            () ->
                fed.jobs("DE")
                    .submitJob(
                        SubmitJobRequest.newBuilder()
                            .setSpec(spec(0))
                            .setNation("FR")
                            .setRequestId("refused-1")
                            .build()))
        .isInstanceOf(StatusRuntimeException.class);
    // No shards at all: a bad field.
    assertThatThrownBy(
            () ->
                fed.jobs("DE")
                    .submitJob(
                        SubmitJobRequest.newBuilder()
                            .setSpec(spec(0).toBuilder().setShards(0))
                            .setNation("DE")
                            .setRequestId("invalid-1")
                            .build()))
        .isInstanceOf(StatusRuntimeException.class);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Scrape m = scrape(de);
              assertThat(m.value("entente_grpc_server_calls_total", "method", submit, "code", "OK"))
                  .isEqualTo(1);
              assertThat(
                      m.value(
                          "entente_grpc_server_calls_total",
                          "method",
                          submit,
                          "code",
                          "PERMISSION_DENIED"))
                  .isEqualTo(1);
              assertThat(
                      m.value(
                          "entente_grpc_server_calls_total",
                          "method",
                          submit,
                          "code",
                          "INVALID_ARGUMENT"))
                  .isEqualTo(1);
              assertThat(m.value("entente_grpc_server_call_seconds_count", "method", submit))
                  .isEqualTo(3);
            });
    // Calls served by another replica are that replica's.
    assertThat(
            scrape(fed.replica("JP"))
                .valueOrZero("entente_grpc_server_calls_total", "method", submit))
        .isZero();
  }
}
