package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.entente.agent.AgentMetrics;
import org.entente.agent.AgentSettings;
import org.entente.agent.NodeAgent;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.proto.v1.NodeResources;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/grafana/entente.json} names only metrics the code registers: every {@code
 * entente_...} name in a panel's expression is one a coordinator's or an agent's registry exposes
 * (a counter as {@code _total}, a histogram as {@code _bucket}, {@code _count}, {@code _sum}).
 */
class GrafanaDashboardTest {
  private static final Pattern METRIC = Pattern.compile("\\bentente_[a-zA-Z0-9_]+");

  private static Path dashboard() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("deploy/grafana/entente.json");
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new AssertionError(
        "deploy/grafana/entente.json not found above " + Path.of("").toAbsolutePath());
  }

  private static void expressions(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                  out.add(e.getValue().asText());
                } else {
                  expressions(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> expressions(n, out));
    }
  }

  /** The sample names {@code registry} exposes. */
  private static Set<String> exposed(PrometheusRegistry registry) {
    Set<String> out = new TreeSet<>();
    for (MetricSnapshot s : registry.scrape()) {
      String name = s.getMetadata().getPrometheusName();
      if (s instanceof CounterSnapshot) {
        out.add(name + "_total");
      } else if (s instanceof HistogramSnapshot) {
        out.addAll(List.of(name + "_bucket", name + "_count", name + "_sum"));
      } else {
        out.add(name);
      }
    }
    return out;
  }

  private static Set<String> registered() throws Exception {
    Set<String> names = new TreeSet<>();
    try (CoordinatorMetrics coordinator = new CoordinatorMetrics()) {
      names.addAll(exposed(coordinator.registry()));
    }
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE");
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (NodeAgent agent =
            new NodeAgent(
                AgentSettings.of(
                    pki.issue(new Identity("DE", Role.NODE, "gpu-01")),
                    pki.bundle(),
                    List.of("127.0.0.1:1")),
                NodeResources::getDefaultInstance,
                Clock.systemUTC(),
                new java.util.SplittableRandom(1),
                scheduler);
        AgentMetrics metrics = new AgentMetrics(agent, null)) {
      names.addAll(exposed(metrics.registry()));
    } finally {
      scheduler.shutdownNow();
    }
    return names;
  }

  @Test
  void dashboard_everyMetricInAnExpression_isRegisteredByACoordinatorOrAnAgent() throws Exception {
    JsonNode dash = new ObjectMapper().readTree(dashboard().toFile());
    List<String> exprs = new ArrayList<>();
    expressions(dash.get("panels"), exprs);
    Set<String> used = new TreeSet<>();
    for (String e : exprs) {
      Matcher m = METRIC.matcher(e);
      while (m.find()) {
        used.add(m.group());
      }
    }
    Set<String> registered = registered();

    assertThat(exprs).hasSizeGreaterThan(20);
    assertThat(used).isNotEmpty().allSatisfy(n -> assertThat(registered).contains(n));
    // The panels the issue asks for are there.
    assertThat(used)
        .contains(
            "entente_nodes",
            "entente_gpus_free",
            "entente_gpus_used",
            "entente_shards",
            "entente_shards_placed_total",
            "entente_scheduling_wait_seconds_bucket",
            "entente_quota_used_gpus",
            "entente_quota_nominal_gpus",
            "entente_ledger_cosigned_size",
            "entente_ledger_cosigned_timestamp_seconds",
            "entente_ledger_witness_alarms_total",
            "entente_leader",
            "entente_fencing_epoch",
            "entente_grpc_server_calls_total",
            "entente_agent_connected");
  }

  @Test
  void registered_namesOfBothRegistries_includeTheDashboardsKinds() throws Exception {
    // The check above is only as good as this list: it must hold counters, histograms and the
    // pool's gauges (a collector that registered nothing would make every name fail, not pass).
    assertThat(registered())
        .contains(
            "entente_heartbeats_total",
            "entente_heartbeat_processing_seconds_bucket",
            "entente_nodes",
            "entente_agent_trust_updates_total")
        .doesNotContain("entente_no_such_metric");
  }
}
