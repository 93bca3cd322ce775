package org.entente.coordinator.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.Closeable;
import java.io.IOException;

/**
 * A replica's Prometheus metrics, in a registry of its own so that several replicas can share one
 * JVM (the demo). Thread-safe.
 */
public final class CoordinatorMetrics implements Closeable {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  public final Gauge agentStreams =
      Gauge.builder()
          .name("entente_agent_streams")
          .help("Agent streams held by this replica")
          .register(registry);
  public final Counter heartbeats =
      Counter.builder()
          .name("entente_heartbeats_total")
          .help("Heartbeats accepted")
          .register(registry);
  public final Counter heartbeatsIgnored =
      Counter.builder()
          .name("entente_heartbeats_ignored_total")
          .help("Heartbeats whose sequence did not increase (replayed or reordered)")
          .register(registry);

  /**
   * Heartbeat handling time. A classic histogram (lock-free buckets) rather than a summary: it is
   * observed on every heartbeat, and quantiles are computed where they are read ({@code
   * histogram_quantile} in Prometheus).
   */
  public final Histogram heartbeatSeconds =
      Histogram.builder()
          .name("entente_heartbeat_processing_seconds")
          .help("Time to process one heartbeat on the replica")
          .classicOnly()
          .classicUpperBounds(
              0.5e-6, 1e-6, 2e-6, 5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 5e-3,
              25e-3, 100e-3)
          .register(registry);

  public final Counter fedavgRounds =
      Counter.builder()
          .name("entente_fedavg_rounds_total")
          .help(
              "FedAvg rounds the leader ended, by outcome: all, timeout (stragglers left out), failed")
          .labelNames("outcome")
          .register(registry);
  public final Histogram fedavgPersistSeconds =
      Histogram.builder()
          .name("entente_fedavg_round_persist_seconds")
          .help(
              "Time from a round closing to its shards being answered: checkpoint stored on"
                  + " every replica and the round recorded in ZooKeeper")
          .classicOnly()
          .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
          .register(registry);

  public final Gauge leader =
      Gauge.builder().name("entente_leader").help("1 while this replica leads").register(registry);
  public final Gauge epoch =
      Gauge.builder()
          .name("entente_fencing_epoch")
          .help("Epoch this replica leads with (0 if not)")
          .register(registry);
  public final Counter fencedWrites =
      Counter.builder()
          .name("entente_fenced_writes_rejected_total")
          .help("Writes refused because a newer leader's epoch was installed")
          .register(registry);
  public final Counter nodesLost =
      Counter.builder()
          .name("entente_nodes_lost_total")
          .help("Nodes marked LOST by this replica")
          .register(registry);
  public final Counter streamsCut =
      Counter.builder()
          .name("entente_streams_revoked_total")
          .help("Live streams cut because their certificate was revoked")
          .register(registry);
  public final Counter denied =
      Counter.builder()
          .name("entente_calls_denied_total")
          .help("Calls refused by authorization")
          .labelNames("action")
          .register(registry);
  public final Counter jobsFinished =
      Counter.builder()
          .name("entente_jobs_finished_total")
          .help("Jobs this replica saw end as leader, by final state")
          .labelNames("state")
          .register(registry);

  public final Counter jobsPruned =
      Counter.builder()
          .name("entente_jobs_pruned_total")
          .help("Finished jobs this replica deleted from /jobs as leader (retention)")
          .register(registry);

  public final Counter jobsSubmitted =
      Counter.builder()
          .name("entente_jobs_submitted_total")
          .help("Jobs this replica committed as leader")
          .register(registry);
  public final Counter shardsPlaced =
      Counter.builder()
          .name("entente_shards_placed_total")
          .help("Shard placements this replica committed as leader")
          .register(registry);
  public final Counter shardsRequeued =
      Counter.builder()
          .name("entente_shards_requeued_total")
          .help("Shards taken back from lost nodes, failures or timeouts")
          .register(registry);
  public final Counter ledgerEntries =
      Counter.builder()
          .name("entente_ledger_entries_total")
          .help("Ledger entries this replica appended as leader, by kind")
          .labelNames("kind")
          .register(registry);
  public final Counter verifications =
      Counter.builder()
          .name("entente_verifications_total")
          .help("Replicated shards' verdicts this replica logged as leader, by outcome")
          .labelNames("outcome")
          .register(registry);
  public final Counter receiptsRefused =
      Counter.builder()
          .name("entente_ledger_receipts_refused_total")
          .help(
              "Agents' receipts the leader refused to countersign (the attempt is closed"
                  + " leader-only, crediting nothing), by rule")
          .labelNames("rule")
          .register(registry);
  public final Counter witnessCosigned =
      Counter.builder()
          .name("entente_ledger_checkpoints_cosigned_total")
          .help("Checkpoints this replica's witness cosigned")
          .register(registry);
  public final Counter witnessAlarms =
      Counter.builder()
          .name("entente_ledger_witness_alarms_total")
          .help(
              "Checkpoints this replica's witness refused: rollback, fork, root mismatch, bad"
                  + " signature or entry")
          .labelNames("reason")
          .register(registry);
  public final Gauge ledgerSize =
      Gauge.builder()
          .name("entente_ledger_cosigned_size")
          .help("Tree size of the last checkpoint this replica's witness cosigned")
          .register(registry);
  public final Counter governanceRefused =
      Counter.builder()
          .name("entente_governance_refused_total")
          .help(
              "Governance chain entries and governed znodes this replica refused to follow:"
                  + " entries without valid approvals, values edited by hand")
          .labelNames("reason")
          .register(registry);
  public final Gauge governanceSequence =
      Gauge.builder()
          .name("entente_governance_sequence")
          .help("Sequence of the last governance entry this replica verified and follows")
          .register(registry);
  public final Counter proposalsApplied =
      Counter.builder()
          .name("entente_governance_applied_total")
          .help("Proposals this replica applied as leader")
          .register(registry);
  public final Counter shardsPreempted =
      Counter.builder()
          .name("entente_shards_preempted_total")
          .help("Shards preempted by priority or quota reclaim")
          .register(registry);
  public final Counter artifactBytesStored =
      Counter.builder()
          .name("entente_artifact_bytes_stored_total")
          .help("Artifact bytes verified and stored (uploads and copies from other replicas)")
          .register(registry);
  public final Counter artifactBytesServed =
      Counter.builder()
          .name("entente_artifact_bytes_served_total")
          .help("Artifact bytes sent to clients and to other replicas")
          .register(registry);

  public final Gauge ledgerCheckpointTime =
      Gauge.builder()
          .name("entente_ledger_cosigned_timestamp_seconds")
          .help(
              "Time (unix seconds) the leader signed the last checkpoint this replica's witness"
                  + " cosigned; time() minus it is the checkpoint's age")
          .register(registry);

  /**
   * Time from a shard becoming placeable (its job submitted, or its requeue backoff over) to its
   * placement being decided, leader-only.
   */
  public final Histogram schedulingWait =
      Histogram.builder()
          .name("entente_scheduling_wait_seconds")
          .help(
              "Time from a shard becoming placeable (job submitted, or requeue backoff over) to"
                  + " the leader placing it (observed by the leader only)")
          .classicOnly()
          .classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
          .register(registry);

  public final Histogram schedulingPass =
      Histogram.builder()
          .name("entente_scheduling_pass_seconds")
          .help(
              "Time of one leader pass: take in requests, requeue, schedule, and commit to"
                  + " ZooKeeper (observed by the leader only)")
          .classicOnly()
          .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
          .register(registry);

  /** Calls this replica's gRPC server ended, by full method name and status code. */
  public final Counter grpcCalls =
      Counter.builder()
          .name("entente_grpc_server_calls_total")
          .help("gRPC calls this replica's server ended, by method and status code")
          .labelNames("method", "code")
          .register(registry);

  public final Histogram grpcSeconds =
      Histogram.builder()
          .name("entente_grpc_server_call_seconds")
          .help("Time to answer a unary gRPC call, by method (streams are not timed)")
          .labelNames("method")
          .classicOnly()
          .classicUpperBounds(
              0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
          .register(registry);

  /** Nodes, GPUs, shards and quotas, from this replica's views (see {@link PoolMetrics}). */
  public final PoolMetrics pool = new PoolMetrics();

  {
    registry.register(pool);
  }

  private HTTPServer server;

  /** Serves {@code /metrics} on {@code port} (0 picks a free port); returns the bound port. */
  public int serve(String host, int port) throws IOException {
    server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
    return server.getPort();
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
