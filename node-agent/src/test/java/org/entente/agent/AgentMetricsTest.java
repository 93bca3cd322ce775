package org.entente.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SignedGenesis;
import org.entente.proto.v1.TrustUpdate;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.governance.Documents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's {@code /metrics}, scraped over HTTP while it runs against a real mTLS gateway: its
 * connection and replica, reconnects, heartbeats, a shard run and the CPU time its receipt
 * reported, its artifact cache's size, and the trust updates it applied, found unchanged or
 * refused.
 */
class AgentMetricsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Clock CLOCK = Clock.systemUTC();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+).*");

  private final LocalPki pki = LocalPki.create(CLOCK, "DE");
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  @TempDir Path work;
  private FakeGateway gateway;
  private NodeAgent agent;
  private AgentMetrics metrics;
  private int port;

  @BeforeEach
  void start() throws Exception {
    gateway =
        new FakeGateway(
            "DE/coordinator@c1",
            pki.issue(new Identity("DE", Role.COORDINATOR, "c1"), "127.0.0.1"),
            pki.trust());
    AgentSettings settings =
        new AgentSettings(
                pki.issue(new Identity("DE", Role.NODE, "gpu-01")),
                pki.bundle(),
                List.of(gateway.address()),
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)),
                Duration.ofSeconds(10))
            .withMetricsPort(0);
    agent =
        new NodeAgent(
            settings,
            () -> NodeResources.newBuilder().setCpuCores(8).setMemoryBytes(64L << 30).build(),
            CLOCK,
            new SplittableRandom(1),
            scheduler);
    Path cache = work.resolve("artifacts");
    Files.createDirectories(cache.resolve("sha256/ab"));
    Files.write(cache.resolve("sha256/ab/one"), new byte[1000]);
    Files.write(cache.resolve("two"), new byte[234]);
    metrics = new AgentMetrics(agent, cache);
    port = metrics.serve(settings.metricsPort());
    agent.start();
  }

  @AfterEach
  void stop() throws Exception {
    metrics.close();
    agent.close();
    gateway.close();
    scheduler.shutdownNow();
  }

  /** The value of the first sample of {@code series} (name with its labels as written), or null. */
  private Double sample(String series) throws Exception {
    String body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#")
          && m.matches()
          && series.equals(m.group(1) + (m.group(2) == null ? "" : m.group(2)))) {
        return Double.parseDouble(m.group(3));
      }
    }
    return null;
  }

  @Test
  void scrape_connectedAgent_reportsItsReplicaHeartbeatsAndCache() throws Exception {
    await()
        .atMost(DEADLINE)
        .untilAsserted(
            () -> {
              assertThat(sample("entente_agent_connected")).isEqualTo(1);
              assertThat(sample("entente_agent_replica{replica=\"DE/coordinator@c1\"}"))
                  .isEqualTo(1);
            });
    await()
        .atMost(DEADLINE)
        .until(() -> gateway.received.stream().filter(AgentMessage::hasHeartbeat).count() >= 3);
    assertThat(sample("entente_agent_heartbeats_sent_total")).isGreaterThanOrEqualTo(3);
    assertThat(sample("entente_agent_reconnects_total")).isEqualTo(0);
    assertThat(sample("entente_agent_artifact_cache_bytes")).isEqualTo(1234);

    gateway.dropAll();
    await()
        .atMost(DEADLINE)
        .untilAsserted(
            () -> {
              assertThat(sample("entente_agent_reconnects_total")).isEqualTo(1);
              assertThat(sample("entente_agent_connected")).isEqualTo(1);
            });
  }

  @Test
  void scrape_afterAShardRan_reportsItsOutcomeAndTheCpuSecondsItsReceiptCarried() throws Exception {
    await().atMost(DEADLINE).until(agent::isRegistered);
    assertThat(sample("entente_agent_shards_running")).isEqualTo(0);
    gateway.sendAll(
        CoordinatorMessage.newBuilder()
            .setAssign(
                ShardAssignment.newBuilder()
                    .setJobId("j1")
                    .setShard(0)
                    .setAttempt(1)
                    .setNation("DE")
                    .setKind("training")
                    .setResources(ShardResources.newBuilder().setCpus(2))
                    .putParameters("duration", "300ms"))
            .build());
    await()
        .atMost(DEADLINE)
        .until(
            () ->
                gateway.received.stream()
                    .filter(AgentMessage::hasShardReport)
                    .anyMatch(
                        m -> m.getShardReport().getPhase() == ShardPhase.SHARD_PHASE_SUCCEEDED));
    assertThat(sample("entente_agent_shards_started_total")).isEqualTo(1);
    assertThat(sample("entente_agent_shards_running")).isEqualTo(0);
    assertThat(sample("entente_agent_shards_finished_total{outcome=\"succeeded\"}")).isEqualTo(1);
    assertThat(sample("entente_agent_shards_finished_total{outcome=\"failed\"}")).isEqualTo(0);
    // Two CPUs for the 300 ms the placeholder ran (the receipt spans its running and end reports).
    assertThat(sample("entente_agent_cpu_seconds_reported_total")).isBetween(0.5, 10.0);
    assertThat(sample("entente_agent_gpu_seconds_reported_total")).isEqualTo(0);
  }

  @Test
  void scrape_trustUpdates_countedAsAppliedUnchangedOrRefused() throws Exception {
    await().atMost(DEADLINE).until(agent::isRegistered);
    LocalPki other = LocalPki.create(CLOCK, "DE");
    gateway.sendAll(trust(genesis(other))); // a root this agent was not given: refused
    gateway.sendAll(trust(genesis(pki))); // its own federation's founding: applied
    gateway.sendAll(trust(genesis(pki))); // the same again: unchanged
    await()
        .atMost(DEADLINE)
        .untilAsserted(
            () -> {
              assertThat(sample("entente_agent_trust_updates_total{outcome=\"refused\"}"))
                  .isEqualTo(1);
              assertThat(sample("entente_agent_trust_updates_total{outcome=\"applied\"}"))
                  .isEqualTo(1);
              assertThat(sample("entente_agent_trust_updates_total{outcome=\"unchanged\"}"))
                  .isEqualTo(1);
            });
  }

  private static SignedGenesis genesis(LocalPki p) throws Exception {
    Genesis g =
        Genesis.newBuilder()
            .setVersion(1)
            .setFederation("metrics")
            .addMembers(
                Member.newBuilder()
                    .setNation("DE")
                    .setRootDer(ByteString.copyFrom(p.ca("DE").certificate().getEncoded())))
            .setCreatedUnixMs(CLOCK.millis())
            .build();
    return Documents.cosign(
        Documents.unsigned(g), p.issue(new Identity("DE", Role.OPERATOR, "ops-1")));
  }

  private static CoordinatorMessage trust(SignedGenesis g) {
    return CoordinatorMessage.newBuilder()
        .setTrust(
            TrustUpdate.newBuilder()
                .addChain(GovernanceEntry.newBuilder().setSequence(0).setGenesis(g)))
        .build();
  }
}
