package org.entente.agent;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.entente.agent.shards.ShardStats;

/**
 * An agent's Prometheus metrics, in a registry of its own (benchmarks run many agents in one JVM),
 * read from the agent at each scrape: whether it is connected and to which replica, its reconnects,
 * heartbeats, shards, the GPU and CPU time it reported, its artifact cache's size, and the trust
 * updates it took. Thread-safe.
 */
public final class AgentMetrics implements Closeable {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private HTTPServer server;

  /**
   * @param agent the agent to report on (it need not be started yet)
   * @param artifactCache the directory of its artifact cache, or null when it has none
   */
  public AgentMetrics(NodeAgent agent, Path artifactCache) {
    GaugeWithCallback.builder()
        .name("entente_agent_connected")
        .help("1 while the agent's stream is registered with a coordinator replica")
        .callback(cb -> cb.call(agent.isRegistered() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("entente_agent_replica")
        .help("1 for the replica holding the agent's stream (no series while not connected)")
        .labelNames("replica")
        .callback(
            cb -> {
              String r = agent.replica();
              if (r != null) {
                cb.call(1, r);
              }
            })
        .register(registry);
    counter(
        "entente_agent_reconnects_total",
        "Streams the agent opened after its first (failovers and retries)",
        () -> Math.max(0, agent.connects() - 1));
    counter(
        "entente_agent_heartbeats_sent_total",
        "Heartbeats the agent sent, on any stream",
        () -> agent.activity().heartbeatsSent());
    GaugeWithCallback.builder()
        .name("entente_agent_shards_running")
        .help("Shard attempts started and not yet ended on this node")
        .callback(
            cb -> {
              ShardStats s = agent.shardStats();
              cb.call(s.started() - s.succeeded() - s.failed() - s.cancelled());
            })
        .register(registry);
    counter(
        "entente_agent_shards_started_total",
        "Shard attempts started on this node",
        () -> agent.shardStats().started());
    CounterWithCallback.builder()
        .name("entente_agent_shards_finished_total")
        .help("Shard attempts that ended on this node, by outcome")
        .labelNames("outcome")
        .callback(
            cb -> {
              ShardStats s = agent.shardStats();
              cb.call(s.succeeded(), "succeeded");
              cb.call(s.failed(), "failed");
              cb.call(s.cancelled(), "cancelled");
            })
        .register(registry);
    counter(
        "entente_agent_gpu_seconds_reported_total",
        "GPU-seconds in the usage receipts the agent signed and reported",
        () -> agent.activity().gpuMsReported() / 1000.0);
    counter(
        "entente_agent_cpu_seconds_reported_total",
        "CPU-seconds in the usage receipts the agent signed and reported",
        () -> agent.activity().cpuMsReported() / 1000.0);
    CounterWithCallback.builder()
        .name("entente_agent_trust_updates_total")
        .help(
            "Trust updates from coordinators, by outcome: applied (new governance entries or"
                + " revocations), unchanged, refused (an entry did not verify)")
        .labelNames("outcome")
        .callback(
            cb -> {
              for (AgentTrust.Outcome o : AgentTrust.Outcome.values()) {
                cb.call(agent.trust().updates(o), o.name().toLowerCase(java.util.Locale.ROOT));
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("entente_agent_artifact_cache_bytes")
        .help("Bytes of the files in the agent's artifact cache")
        .callback(
            cb -> {
              long bytes = artifactCache == null ? -1 : bytesUnder(artifactCache);
              if (bytes >= 0) {
                cb.call(bytes);
              }
            })
        .register(registry);
  }

  private void counter(String name, String help, java.util.function.DoubleSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /**
   * Total size of the regular files under {@code dir}: 0 when it does not exist, -1 when it cannot
   * be read now (the scrape then shows no series rather than a wrong figure).
   */
  static long bytesUnder(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (NoSuchFileException gone) {
                  return 0; // removed while we walked: a failed entry being fetched again
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  /**
   * Serves {@code /metrics} on every interface at {@code port} (0 picks a free one); returns the
   * bound port.
   */
  public int serve(int port) throws IOException {
    server = HTTPServer.builder().port(port).registry(registry).buildAndStart();
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
