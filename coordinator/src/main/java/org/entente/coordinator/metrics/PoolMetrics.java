package org.entente.coordinator.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.membership.FederationView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gauges that describe the pool, computed once per scrape ({@link PoolFigures}) from this
 * replica's own caches of {@code /nodes}, {@code /roster} and {@code /jobs} and its governed
 * quotas, so every replica, leader or not, reports them (they may lag the leader by a moment).
 * Before {@link #watch} they have no series. Thread-safe.
 */
public final class PoolMetrics implements MultiCollector {
  private static final Logger log = LoggerFactory.getLogger(PoolMetrics.class);

  static final String NODES = "entente_nodes";
  static final String GPUS_USED = "entente_gpus_used";
  static final String GPUS_FREE = "entente_gpus_free";
  static final String SHARDS = "entente_shards";
  static final String QUOTA_USED = "entente_quota_used_gpus";
  static final String QUOTA_NOMINAL = "entente_quota_nominal_gpus";

  private volatile Supplier<PoolFigures> source = () -> null;

  /** Reports the figures {@code source} computes at each scrape (null: no series). */
  public void watch(Supplier<PoolFigures> source) {
    this.source = source;
  }

  /** Reports from a replica's views; {@code members} are the member nations. */
  public void watch(
      FederationView view,
      JobView jobs,
      Supplier<SchedulingSettings> scheduling,
      Supplier<Set<String>> members) {
    watch(
        () -> {
          SchedulingSettings s = scheduling.get();
          return PoolFigures.of(
              view.liveNodes(),
              view.roster().keySet(),
              jobs.jobs(),
              s == null ? Map.of() : s.quotas(),
              members.get());
        });
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(NODES, GPUS_USED, GPUS_FREE, SHARDS, QUOTA_USED, QUOTA_NOMINAL);
  }

  @Override
  public MetricSnapshots collect() {
    PoolFigures f;
    try {
      f = source.get();
    } catch (RuntimeException e) {
      // A view that cannot be read now must not fail the whole scrape.
      log.debug("pool figures unavailable: {}", e.toString());
      f = null;
    }
    if (f == null) {
      f = PoolFigures.EMPTY;
    }
    return MetricSnapshots.of(
        nested(
            NODES,
            "Nodes by nation and state (roster nodes not connected are LOST)",
            "state",
            f.nodes()),
        flat(
            GPUS_USED, "GPUs held by placed or running shards, by the nodes' nation", f.gpusUsed()),
        flat(
            GPUS_FREE,
            "GPUs of ACTIVE nodes that no shard holds, by the nodes' nation",
            f.gpusFree()),
        nested(
            SHARDS,
            "Shards not yet ended, by the nation charged and state: pending (pending or"
                + " requeued), placed, running",
            "state",
            f.shards()),
        flat(
            QUOTA_USED,
            "GPUs the nation's placed and running shards hold, against its quota",
            f.quotaUsedGpus()),
        flat(
            QUOTA_NOMINAL,
            "The nation's nominal GPU quota: governed, else what its live nodes contribute",
            f.quotaNominalGpus()));
  }

  private static GaugeSnapshot flat(String name, String help, Map<String, Long> byNation) {
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
    byNation.forEach((nation, v) -> b.dataPoint(point(v, Labels.of("nation", nation))));
    return b.build();
  }

  private static GaugeSnapshot nested(
      String name, String help, String label, Map<String, Map<String, Long>> byNation) {
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
    byNation.forEach(
        (nation, m) ->
            m.forEach((k, v) -> b.dataPoint(point(v, Labels.of("nation", nation, label, k)))));
    return b.build();
  }

  private static GaugeSnapshot.GaugeDataPointSnapshot point(long v, Labels labels) {
    return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(v).labels(labels).build();
  }
}
