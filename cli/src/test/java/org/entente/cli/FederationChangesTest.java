package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.entente.agent.AgentSettings;
import org.entente.agent.Backoff;
import org.entente.agent.HostResourceProbe;
import org.entente.agent.NodeAgent;
import org.entente.cli.demo.LocalFederation;
import org.entente.coordinator.Coordinator;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client commands that change the federation, and the federation changing under them. Each test
 * gets its own federation (its own ZooKeeper namespace) on one shared ZooKeeper server.
 */
class FederationChangesTest {
  private static final AtomicInteger FEDERATIONS = new AtomicInteger();
  private static TestingServer zk;

  @TempDir Path dir;
  private LocalFederation fed;
  private final List<AutoCloseable> extra = new ArrayList<>();

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zk = TestZooKeeper.start();
  }

  @AfterAll
  static void stopZooKeeper() throws Exception {
    if (zk != null) {
      zk.close();
    }
  }

  @BeforeEach
  void startFederation() throws Exception {
    fed =
        TestFederation.start(
            zk.getConnectString(),
            "/federation-" + FEDERATIONS.incrementAndGet(),
            dir.resolve("ids"));
  }

  @AfterEach
  void stopFederation() throws Exception {
    for (AutoCloseable c : extra) {
      c.close();
    }
    if (fed != null) {
      fed.close();
    }
  }

  private String identity(String nation) {
    return dir.resolve("ids").resolve(nation.toLowerCase() + "-operator").toString();
  }

  /** Runs a client command as {@code nation}'s operator, trying replicas in {@code order}. */
  private Cli.Result as(String nation, List<String> order, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--coordinator", String.join(",", order), "--identity", identity(nation)));
    return Cli.run(all.toArray(String[]::new));
  }

  private List<String> addresses(String... nations) {
    List<String> out = new ArrayList<>();
    for (String n : nations) {
      out.add(fed.coordinators().get(n).address());
    }
    return out;
  }

  private Map<String, JsonNode> nodes(List<String> order) {
    return TestFederation.nodesByKey(as("DE", order, "nodes", "--json").succeeded().out());
  }

  @Test
  void drain_foreignNodeRefused_ownNodeDrainsThroughAnotherReplica() {
    NodeAgent deNode = TestFederation.agent(fed, "DE", "gpu-01");
    NodeAgent frNode = TestFederation.agent(fed, "FR", "gpu-01");
    // Ask the FR replica first: it must forward the drain to the DE replica holding DE/gpu-01.
    List<String> order = addresses("FR", "JP", "DE");

    String refused = as("DE", order, "drain", "FR/gpu-01").oneLineError(ExitCodes.DENIED);
    assertThat(refused).contains("PERMISSION_DENIED").contains("only for nation DE, not FR");
    assertThat(frNode.isDraining()).isFalse();

    Cli.Result r = as("DE", order, "drain", "DE/gpu-01", "--reason", "maintenance").succeeded();
    assertThat(r.out().strip()).isEqualTo("DE/gpu-01 is draining");

    await("DE/gpu-01 draining").atMost(TestFederation.DEADLINE).until(deNode::isDraining);
    assertThat(frNode.isDraining()).isFalse();
    assertThat(TestFederation.agent(fed, "JP", "gpu-01").isDraining()).isFalse();
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Map<String, JsonNode> n = nodes(order);
              assertThat(n.get("DE/gpu-01").get("state").asText()).isEqualTo("DRAINING");
              assertThat(n.get("FR/gpu-01").get("state").asText()).isEqualTo("ACTIVE");
              assertThat(n.get("JP/gpu-01").get("state").asText()).isEqualTo("ACTIVE");
            });
  }

  @Test
  void coordinatorClosed_agentsMoveToOtherReplicas_nodesListsEachOnce() {
    Coordinator closed = fed.coordinators().get("FR");
    String closedId = closed.participantId();
    closed.close();

    await("every agent registered with a live replica")
        .atMost(TestFederation.DEADLINE)
        .until(
            () ->
                fed.agents().stream()
                    .allMatch(a -> a.isRegistered() && !closedId.equals(a.replica())));
    assertThat(TestFederation.agent(fed, "FR", "gpu-01").connects()).isGreaterThan(1);

    // The closed replica is listed first: the client must move past it.
    List<String> order = addresses("FR", "DE", "JP");
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = as("DE", order, "nodes").succeeded();
              List<List<String>> rows = TestFederation.tableRows(r.out());
              assertThat(rows)
                  .extracting(row -> row.get(0) + "/" + row.get(1) + " " + row.get(2))
                  .containsExactlyInAnyOrder(
                      "DE/gpu-01 ACTIVE", "FR/gpu-01 ACTIVE", "JP/gpu-01 ACTIVE");
              assertThat(rows).extracting(row -> row.get(7)).doesNotContain("FR/coordinator");
              assertThat(r.out()).contains("3 node(s)");
            });
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              JsonNode f =
                  TestFederation.json(as("DE", order, "federation", "--json").succeeded().out());
              assertThat(f.get("replicas"))
                  .extracting(x -> x.get("nation").asText())
                  .containsExactlyInAnyOrder("DE", "JP");
              assertThat(f.get("leader").asText()).isIn("DE/coordinator", "JP/coordinator");
            });
  }

  @Test
  void agentClosed_nodesShowsItLost() {
    NodeAgent jp = TestFederation.agent(fed, "JP", "gpu-01");
    List<String> order = addresses("DE", "FR", "JP");
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () ->
                assertThat(nodes(order).get("JP/gpu-01").get("state").asText())
                    .isEqualTo("ACTIVE"));

    jp.close();

    await("JP/gpu-01 LOST")
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Map<String, JsonNode> n = nodes(order);
              assertThat(n).containsOnlyKeys("DE/gpu-01", "FR/gpu-01", "JP/gpu-01");
              JsonNode lost = n.get("JP/gpu-01");
              assertThat(lost.get("state").asText()).isEqualTo("LOST");
              assertThat(lost.get("replica").asText()).isEmpty();
              assertThat(lost.get("lastHeartbeat").isNull()).isFalse();
              assertThat(n.get("DE/gpu-01").get("state").asText()).isEqualTo("ACTIVE");
            });
    Cli.Result table = as("DE", order, "nodes").succeeded();
    assertThat(TestFederation.tableRows(table.out()))
        .filteredOn(row -> row.get(0).equals("JP"))
        .singleElement()
        .satisfies(row -> assertThat(row.get(2)).isEqualTo("LOST"))
        .satisfies(row -> assertThat(row.get(7)).isEqualTo("-"));
  }

  @Test
  void publishCrl_revokedNode_isCutAndRepublishingSameListConflicts() throws Exception {
    // The federation's DE CA lives in memory; save it where 'pki revoke' can use it.
    Path caDir = dir.resolve("de-ca");
    fed.pki().ca("DE").save(caDir);
    KeyMaterial victimKeys = fed.pki().issue(new Identity("DE", Role.NODE, "gpu-09"));
    Path victimCert = dir.resolve("gpu-09.pem");
    Pem.writePublic(victimCert, victimKeys.certificate());
    // A long backoff keeps the cut's status as the agent's last failure while we look at it.
    NodeAgent victim = agent(victimKeys, new Backoff(Duration.ofSeconds(6), Duration.ofSeconds(6)));
    await("gpu-09 registered").atMost(TestFederation.DEADLINE).until(victim::isRegistered);

    Cli.run("pki", "revoke", "--ca", caDir.toString(), "--cert", victimCert.toString()).succeeded();
    Path crl = caDir.resolve("crl.pem");
    // Publish through the FR replica; the DE replica holding gpu-09 learns it from ZooKeeper.
    List<String> order = addresses("FR", "DE", "JP");
    Cli.Result published = as("DE", order, "pki", "publish-crl", crl.toString()).succeeded();
    assertThat(published.out().strip()).isEqualTo("Published DE revocation list #1 (1 revoked).");

    await("gpu-09 cut as revoked")
        .atMost(TestFederation.DEADLINE)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                !victim.isRegistered()
                    && victim.lastFailure().getCode() == Status.Code.UNAUTHENTICATED);
    assertThat(victim.lastFailure().getDescription())
        .contains("DE/node/gpu-09")
        .contains("revoked");

    String again =
        as("DE", order, "pki", "publish-crl", crl.toString()).oneLineError(ExitCodes.CONFLICT);
    assertThat(again).contains("FAILED_PRECONDITION").contains("not newer");

    // A fresh agent with the revoked certificate keeps failing and never registers.
    NodeAgent retry =
        agent(victimKeys, new Backoff(Duration.ofMillis(100), Duration.ofMillis(200)));
    await("revoked certificate refused three times")
        .atMost(TestFederation.DEADLINE)
        .failFast("revoked certificate registered", retry::isRegistered)
        .until(() -> retry.connects() >= 3 && retry.lastFailure().getCode() != Status.Code.OK);
    assertThat(fed.agents()).allMatch(NodeAgent::isRegistered);
  }

  private NodeAgent agent(KeyMaterial keys, Backoff backoff) {
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    NodeAgent a =
        new NodeAgent(
            new AgentSettings(keys, fed.bundle(), fed.addresses(), backoff, Duration.ofSeconds(10)),
            new HostResourceProbe(Map.of()),
            Clock.systemUTC(),
            new SplittableRandom(7),
            scheduler);
    extra.add(scheduler::shutdownNow);
    extra.add(0, a::close);
    a.start();
    return a;
  }
}
