package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.test.TestingServer;
import org.entente.agent.NodeAgent;
import org.entente.cli.client.IdentityDir;
import org.entente.cli.demo.LocalFederation;
import org.entente.coordinator.Coordinator;
import org.entente.security.Identity;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only client commands (and refused changes) against one real federation: three coordinator
 * replicas and three agents over mTLS on loopback, with a real ZooKeeper.
 */
class ClientCommandsTest {
  @TempDir static Path dir;
  private static TestingServer zk;
  private static LocalFederation fed;
  private static String coordinators;
  private static String de;

  @BeforeAll
  static void startFederation() throws Exception {
    zk = TestZooKeeper.start();
    fed = TestFederation.start(zk.getConnectString(), "/entente", dir.resolve("ids"));
    coordinators = String.join(",", fed.addresses());
    de = dir.resolve("ids/de-operator").toString();
  }

  @AfterAll
  static void stopFederation() throws Exception {
    if (fed != null) {
      fed.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  private static Cli.Result asDe(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--coordinator", coordinators, "--identity", de));
    return Cli.run(all.toArray(String[]::new));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String replicaLabel(NodeAgent a) {
    return a.replica().replaceAll("@.*", "");
  }

  @Test
  void nodes_asOperator_listsEveryNodeActiveWithItsReplica() {
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = asDe("nodes").succeeded();
              assertThat(r.out()).startsWith("NATION").contains("3 node(s)");
              List<List<String>> rows = TestFederation.tableRows(r.out());
              assertThat(rows)
                  .extracting(row -> row.get(0) + "/" + row.get(1) + " " + row.get(2))
                  .containsExactlyInAnyOrder(
                      "DE/gpu-01 ACTIVE", "FR/gpu-01 ACTIVE", "JP/gpu-01 ACTIVE");
              for (List<String> row : rows) {
                NodeAgent a = TestFederation.agent(fed, row.get(0), row.get(1));
                assertThat(row.get(3)).isEqualTo(Integer.toString(a.resources().getGpusCount()));
                assertThat(row.get(5)).isEqualTo(Integer.toString(a.resources().getCpuCores()));
                assertThat(row.get(7)).isEqualTo(replicaLabel(a));
                assertThat(row.get(8)).matches("\\d+[.,]\\ds ago|just now");
              }
            });
  }

  @Test
  void nodes_json_parsesWithThreeActiveNodes() {
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = asDe("nodes", "--json").succeeded();
              Map<String, JsonNode> nodes = TestFederation.nodesByKey(r.out());
              assertThat(nodes).containsOnlyKeys("DE/gpu-01", "FR/gpu-01", "JP/gpu-01");
              for (var e : nodes.entrySet()) {
                JsonNode n = e.getValue();
                NodeAgent a = TestFederation.agent(fed, n.get("nation").asText(), "gpu-01");
                assertThat(n.get("state").asText()).isEqualTo("ACTIVE");
                assertThat(n.get("cpuCores").asInt()).isEqualTo(a.resources().getCpuCores());
                assertThat(n.get("memoryBytes").asLong()).isEqualTo(a.resources().getMemoryBytes());
                assertThat(n.get("gpus").size()).isEqualTo(a.resources().getGpusCount());
                assertThat(n.get("labels").get("nation").asText())
                    .isEqualTo(n.get("nation").asText().toLowerCase());
                assertThat(n.get("replica").asText()).isEqualTo(a.replica());
                assertThat(Instant.parse(n.get("lastHeartbeat").asText()))
                    .isBeforeOrEqualTo(Instant.now());
                assertThat(Instant.parse(n.get("firstSeen").asText()))
                    .isBeforeOrEqualTo(Instant.now());
              }
            });
  }

  @Test
  void nodes_nationFilter_listsOnlyThatNation() {
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = asDe("nodes", "--nation", "FR", "--json").succeeded();
              assertThat(TestFederation.nodesByKey(r.out())).containsOnlyKeys("FR/gpu-01");
            });
  }

  @Test
  void nodes_lowercaseNation_exitsInvalid() {
    String line = asDe("nodes", "--nation", "de").oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("INVALID_ARGUMENT").contains("nation").contains("'de'");
  }

  @Test
  void federation_json_hasThreeReplicasAndExactlyOneLeader() {
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = asDe("federation", "--json").succeeded();
              JsonNode f = TestFederation.json(r.out());
              assertThat(f.get("nations"))
                  .extracting(JsonNode::asText)
                  .containsExactly("DE", "FR", "JP");
              JsonNode replicas = f.get("replicas");
              assertThat(replicas).hasSize(3);
              List<JsonNode> leaders = new ArrayList<>();
              replicas.forEach(
                  x -> {
                    if (x.get("leader").asBoolean()) {
                      leaders.add(x);
                    }
                  });
              assertThat(leaders).hasSize(1);
              JsonNode leader = leaders.get(0);
              assertThat(f.get("leader").asText())
                  .isEqualTo(leader.get("nation").asText() + "/" + leader.get("name").asText());
              Coordinator actual = fed.coordinators().get(leader.get("nation").asText());
              assertThat(actual.isLeader()).isTrue();
              assertThat(actual.address()).isEqualTo(leader.get("address").asText());
              assertThat(f.get("epoch").asLong()).isEqualTo(actual.fence().orElseThrow().epoch());
              Set<String> addresses = new java.util.HashSet<>();
              replicas.forEach(x -> addresses.add(x.get("address").asText()));
              assertThat(addresses).containsExactlyInAnyOrderElementsOf(fed.addresses());
              assertThat(f.get("answeredBy").asText()).isEqualTo("DE/coordinator");
            });
  }

  @Test
  void federation_table_showsNationsLeaderAndRoles() {
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = asDe("federation").succeeded();
              assertThat(r.out())
                  .contains("nations  DE, FR, JP")
                  .containsPattern("leader   (DE|FR|JP)/coordinator \\(epoch [1-9]\\d*\\)");
              List<String> roles =
                  r.out()
                      .lines()
                      .filter(l -> l.matches("(DE|FR|JP) .*"))
                      .map(l -> l.replaceAll(".* ", ""))
                      .toList();
              assertThat(roles).containsExactlyInAnyOrder("leader", "follower", "follower");
            });
  }

  @Test
  void drain_unknownNode_exitsNotFound() {
    String line = asDe("drain", "DE/gpu-99").oneLineError(ExitCodes.NOT_FOUND);
    assertThat(line).contains("NOT_FOUND").contains("DE/gpu-99");
  }

  @Test
  void drain_targetWithoutNation_exitsInvalid() {
    String line = asDe("drain", "gpu-01").oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("NATION/NODE");
    assertThat(fed.agents()).noneMatch(NodeAgent::isDraining);
  }

  @Test
  void nodes_unreachableCoordinator_exitsUnavailableInOneLine() throws Exception {
    String address = "127.0.0.1:" + closedPort();
    String line =
        Cli.run("nodes", "--coordinator", address, "--identity", de)
            .oneLineError(ExitCodes.UNAVAILABLE);
    assertThat(line).contains("UNAVAILABLE").contains("no coordinator answered").contains(address);
  }

  @Test
  void nodes_firstCoordinatorUnreachable_isAnsweredByTheNext() throws Exception {
    String list = "127.0.0.1:" + closedPort() + "," + coordinators;
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = Cli.run("nodes", "--json", "--coordinator", list, "--identity", de);
              r.succeeded();
              assertThat(TestFederation.nodesByKey(r.out())).hasSize(3);
            });
  }

  @Test
  void nodes_withoutIdentity_exitsUsage() {
    assumeTrue(System.getenv("ENTENTE_IDENTITY") == null, "ENTENTE_IDENTITY is set here");
    String line = Cli.run("nodes", "--coordinator", coordinators).oneLineError(ExitCodes.USAGE);
    assertThat(line).contains("--identity").contains("ENTENTE_IDENTITY");
  }

  @Test
  void nodes_withoutCoordinator_exitsUsage() {
    assumeTrue(System.getenv("ENTENTE_COORDINATORS") == null, "ENTENTE_COORDINATORS is set here");
    String line = Cli.run("nodes", "--identity", de).oneLineError(ExitCodes.USAGE);
    assertThat(line).contains("--coordinator").contains("ENTENTE_COORDINATORS");
  }

  @Test
  void nodes_badCoordinatorAddress_exitsInvalid() {
    String line =
        Cli.run("nodes", "--coordinator", "localhost", "--identity", de)
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("--coordinator").contains("host:port");
  }

  @Test
  void nodes_identityWithoutTrustFolder_exitsInvalid() throws Exception {
    Path bare = Files.createDirectories(dir.resolve("bare-identity"));
    Files.copy(Path.of(de, "cert.pem"), bare.resolve("cert.pem"));
    Files.copy(Path.of(de, "key.pem"), bare.resolve("key.pem"));

    String line =
        Cli.run("nodes", "--coordinator", coordinators, "--identity", bare.toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains(bare.toString()).contains("trust/");
  }

  @Test
  void nodes_identityWithoutKey_exitsInvalidNamingTheFile() throws Exception {
    Path keyless = Files.createDirectories(dir.resolve("keyless-identity"));
    Files.copy(Path.of(de, "cert.pem"), keyless.resolve("cert.pem"));

    String line =
        Cli.run("nodes", "--coordinator", coordinators, "--identity", keyless.toString())
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains(keyless.toString()).contains("key.pem").contains("does not exist");
  }

  @Test
  void nodes_identityDirectoryMissing_exitsInvalid() {
    Path missing = dir.resolve("nobody");
    String line =
        Cli.run("nodes", "--coordinator", coordinators, "--identity", missing.toString())
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains(missing.toString()).contains("does not exist");
  }

  @Test
  void nodes_nodeCertificate_exitsDenied() throws Exception {
    Path nodeId = dir.resolve("node-identity");
    IdentityDir.write(
        nodeId, fed.pki().issue(new Identity("DE", Role.NODE, "reader")), fed.bundle());

    String line =
        Cli.run("nodes", "--coordinator", coordinators, "--identity", nodeId.toString())
            .oneLineError(ExitCodes.DENIED);

    assertThat(line).contains("PERMISSION_DENIED").contains("nodes may not read");
  }

  @Test
  void publishCrl_forAnotherNation_exitsDeniedAndPublishesNothing() throws Exception {
    Path crl = dir.resolve("de-crl-for-fr.pem");
    Pem.writePublic(crl, fed.pki().ca("DE").revocationList(1, Set.of()));
    String fr = dir.resolve("ids/fr-operator").toString();

    String line =
        Cli.run(
                "pki",
                "publish-crl",
                crl.toString(),
                "--nation",
                "DE",
                "--coordinator",
                coordinators,
                "--identity",
                fr)
            .oneLineError(ExitCodes.DENIED);

    assertThat(line).contains("PERMISSION_DENIED").contains("only for nation FR");
    assertThat(fed.coordinators().values())
        .allSatisfy(
            c ->
                assertThat(c.trust().snapshot().revocations().get("DE"))
                    .satisfiesAnyOf(
                        l -> assertThat(l).isNull(), l -> assertThat(l.number()).isZero()));
  }

  @Test
  void publishCrl_listOfAnotherRoot_exitsInvalid() throws Exception {
    Path crl = dir.resolve("de-crl.pem");
    Pem.writePublic(crl, fed.pki().ca("DE").revocationList(1, Set.of()));
    String fr = dir.resolve("ids/fr-operator").toString();

    String line =
        Cli.run(
                "pki",
                "publish-crl",
                crl.toString(),
                "--coordinator",
                coordinators,
                "--identity",
                fr)
            .oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("INVALID_ARGUMENT").contains("FR");
  }

  @Test
  void allAgents_stayRegisteredWithTheirOwnNationsReplica() {
    Set<String> pairs =
        fed.agents().stream()
            .map(a -> a.identity().nation() + "->" + replicaLabel(a))
            .collect(Collectors.toSet());
    assertThat(pairs)
        .containsExactlyInAnyOrder(
            "DE->DE/coordinator", "FR->FR/coordinator", "JP->JP/coordinator");
  }
}
