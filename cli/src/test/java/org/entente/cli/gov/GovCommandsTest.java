package org.entente.cli.gov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.TestFederation;
import org.entente.cli.TestZooKeeper;
import org.entente.cli.demo.LocalFederation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code entente gov} against one real federation (DE, FR and JP founded by a genesis their three
 * operators signed; proposals need a strict majority, two nations), and the offline genesis
 * commands on files.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GovCommandsTest {
  private static final Pattern PROPOSED = Pattern.compile("proposed (p-[0-9a-f]{16}): ");

  @TempDir static Path dir;
  private static TestingServer zk;
  private static LocalFederation fed;
  private static String coordinators;

  @BeforeAll
  static void startFederation() throws Exception {
    zk = TestZooKeeper.start();
    fed = TestFederation.start(zk.getConnectString(), "/entente", dir.resolve("ids"));
    coordinators = String.join(",", fed.addresses());
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

  private static String identity(String nation) {
    return dir.resolve("ids").resolve(nation.toLowerCase(Locale.ROOT) + "-operator").toString();
  }

  private static Path root(String nation) {
    return dir.resolve("ids")
        .resolve("de-operator")
        .resolve("trust")
        .resolve(nation.toLowerCase(Locale.ROOT) + "-ca.pem");
  }

  /** Runs {@code entente args...} as {@code nation}'s operator against the federation. */
  private static Cli.Result as(String nation, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--coordinator", coordinators, "--identity", identity(nation)));
    return Cli.run(all.toArray(String[]::new));
  }

  /** Proposes as DE; returns the proposal id printed. */
  private static String propose(String... args) {
    List<String> all = new ArrayList<>(List.of("gov", "propose"));
    all.addAll(List.of(args));
    Cli.Result r = as("DE", all.toArray(String[]::new)).succeeded();
    Matcher m = PROPOSED.matcher(r.out());
    assertThat(m.find()).as("output: %s", r.out()).isTrue();
    assertThat(r.out()).contains("approve with: entente gov approve " + m.group(1));
    return m.group(1);
  }

  private static JsonNode show(String id) {
    return TestFederation.json(as("DE", "gov", "show", id, "--json").succeeded().out());
  }

  private static JsonNode member(JsonNode state, String nation) {
    for (JsonNode m : state.get("members")) {
      if (m.get("nation").asText().equals(nation)) {
        return m;
      }
    }
    throw new AssertionError(nation + " is not a member in " + state);
  }

  @Test
  void proposeSetQuota_thenList_showsItPendingWithNoApprovalYet() {
    String id =
        propose(
            "set-quota",
            "JP",
            "--gpus",
            "3",
            "--cpus",
            "24",
            "--memory",
            "64Gi",
            "--reason",
            "JP adds a rack");

    Cli.Result r = as("DE", "gov", "list").succeeded();

    assertThat(r.out()).startsWith("ID").contains("APPROVED").contains("NEEDS");
    List<String> row =
        TestFederation.tableRows(r.out()).stream()
            .filter(cells -> cells.get(0).equals(id))
            .findFirst()
            .orElseThrow(() -> new AssertionError(id + " not listed: " + r.out()));
    assertThat(row)
        .containsExactly(
            id,
            "set-quota",
            "set the quota of JP to nominal 3 GPUs/24 CPUs/64 GiB, borrowing unlimited, lending"
                + " unlimited",
            "-",
            "2",
            "pending");
    JsonNode json = TestFederation.json(as("DE", "gov", "list", "--json").succeeded().out());
    assertThat(json.get("alarms")).isEmpty();
    assertThat(json.get("proposals").findValuesAsText("id")).contains(id);
  }

  @Test
  void approve_byDeThenFr_appliesAndStateShowsTheNewQuota() {
    String id =
        propose(
            "set-quota",
            "FR",
            "--gpus",
            "7",
            "--cpus",
            "70",
            "--memory",
            "96Gi",
            "--borrowing-gpus",
            "2",
            "--borrowing-cpus",
            "16",
            "--borrowing-memory",
            "32Gi",
            "--reason",
            "FR's new cluster",
            "--ttl",
            "2d");

    Cli.Result de = as("DE", "gov", "approve", id, "--yes").succeeded();
    assertThat(de.out())
        .contains("changes    set the quota of FR to nominal 7 GPUs/70 CPUs/96 GiB")
        .contains("reason     FR's new cluster")
        .contains("approved " + id + " as DE/operator/de-ops")
        .contains("pending: approved by DE (1 of 2 needed); missing FR, JP");

    Cli.Result fr = as("FR", "gov", "approve", id, "--yes").succeeded();
    assertThat(fr.out()).contains("approved by DE, FR");

    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(() -> assertThat(show(id).get("outcome").asText()).isEqualTo("applied"));
    JsonNode shown = show(id);
    assertThat(shown.get("approvingNations"))
        .extracting(JsonNode::asText)
        .containsExactly("DE", "FR");
    assertThat(shown.get("approvals")).allMatch(a -> a.get("counts").asBoolean());
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              JsonNode state =
                  TestFederation.json(as("JP", "gov", "state", "--json").succeeded().out());
              JsonNode quota = member(state, "FR").get("quota");
              assertThat(quota.get("nominal").get("gpus").asLong()).isEqualTo(7);
              assertThat(quota.get("nominal").get("memoryBytes").asLong()).isEqualTo(96L << 30);
              assertThat(quota.get("borrowingLimit").get("cpus").asLong()).isEqualTo(16);
              assertThat(quota.get("lendingLimit").isNull()).isTrue();
              assertThat(state.get("applied")).extracting(JsonNode::asText).contains(id);
              assertThat(state.get("stateSha256").asText()).matches("[0-9a-f]{64}");
              assertThat(state.get("alarms")).isEmpty();
            });
    assertThat(as("DE", "gov", "state").succeeded().out())
        .contains("threshold    strict majority (2 of 3)")
        .contains("members      DE, FR, JP");
    String again = as("JP", "gov", "approve", id, "--yes").oneLineError(ExitCodes.CONFLICT);
    assertThat(again).contains("applied already");
  }

  @Test
  void approve_twiceBySameOperator_exitsConflictWithAlreadyExists() {
    String id = propose("release", "JP/gpu-01", "--reason", "it passed its checks");
    as("DE", "gov", "approve", id, "--yes").succeeded();

    String line = as("DE", "gov", "approve", id, "--yes").oneLineError(ExitCodes.CONFLICT);

    assertThat(line).contains("ALREADY_EXISTS").contains(id);
    assertThat(show(id).get("approvals")).hasSize(1);
  }

  @Test
  void approve_declinedAtPrompt_exitsAbortedAndSignsNothing() {
    String id = propose("set-threshold", "3", "--reason", "unanimity");
    InputStream stdin = System.in;
    Cli.Result r;
    try {
      System.setIn(new ByteArrayInputStream("n\n".getBytes(StandardCharsets.UTF_8)));
      r = as("FR", "gov", "approve", id);
    } finally {
      System.setIn(stdin);
    }

    assertThat(r.out())
        .contains("set the approval threshold to 3 nations")
        .contains("Approve? [y/N]");
    assertThat(r.oneLineError(ExitCodes.ABORTED)).contains("nothing was signed");
    assertThat(show(id).get("approvals")).isEmpty();
  }

  @Test
  void proposeOut_thenSubmitByAnotherNation_keepsTheProposer() throws Exception {
    Path file = dir.resolve("quarantine.pb");
    Cli.Result w =
        Cli.run(
            "gov",
            "propose",
            "quarantine",
            "DE/gpu-01",
            "--reason",
            "odd results",
            "--out",
            file.toString(),
            "--identity",
            identity("DE"));
    w.succeeded();
    assertThat(w.out()).contains("entente gov submit " + file);
    assertThat(Files.size(file)).isPositive();

    Cli.Result r = as("FR", "gov", "submit", file.toString()).succeeded();

    Matcher m = PROPOSED.matcher(r.out());
    assertThat(m.find()).isTrue();
    JsonNode shown = show(m.group(1));
    assertThat(shown.get("proposer").asText()).isEqualTo("entente://DE/operator/de-ops");
    assertThat(shown.get("summary").asText()).isEqualTo("quarantine node DE/gpu-01");
    assertThat(as("FR", "gov", "submit", file.toString()).oneLineError(ExitCodes.CONFLICT))
        .contains("ALREADY_EXISTS");
  }

  @Test
  void show_unknownId_exitsNotFound() {
    String line = as("DE", "gov", "show", "p-0000000000000000").oneLineError(ExitCodes.NOT_FOUND);
    assertThat(line).contains("NOT_FOUND").contains("p-0000000000000000");
  }

  @Test
  void proposeSetQuota_withoutReason_exitsUsageNamingIt() {
    Cli.Result r =
        as(
            "DE",
            "gov",
            "propose",
            "set-quota",
            "DE",
            "--gpus",
            "1",
            "--cpus",
            "1",
            "--memory",
            "1Gi");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--reason").contains("Usage: entente gov propose set-quota");
  }

  @Test
  void proposeSetQuota_badOrPartialFlags_failInOneLineNamingTheFlag() {
    assertThat(
            as(
                    "DE",
                    "gov",
                    "propose",
                    "set-quota",
                    "DE",
                    "--gpus",
                    "1",
                    "--cpus",
                    "1",
                    "--memory",
                    "lots",
                    "--reason",
                    "r")
                .oneLineError(ExitCodes.INVALID))
        .contains("--memory")
        .contains("'lots'");
    assertThat(
            as(
                    "DE",
                    "gov",
                    "propose",
                    "set-quota",
                    "DE",
                    "--gpus",
                    "1",
                    "--cpus",
                    "1",
                    "--memory",
                    "1Gi",
                    "--borrowing-gpus",
                    "1",
                    "--reason",
                    "r")
                .oneLineError(ExitCodes.USAGE))
        .contains("--borrowing-cpus");
    assertThat(
            as("DE", "gov", "propose", "set-quota", "DE", "--gpus", "1", "--reason", "r")
                .oneLineError(ExitCodes.USAGE))
        .contains("--memory");
    assertThat(
            as(
                    "DE",
                    "gov",
                    "propose",
                    "set-quota",
                    "DE",
                    "--gpus",
                    "1",
                    "--cpus",
                    "1",
                    "--memory",
                    "1Gi",
                    "--ttl",
                    "90d",
                    "--reason",
                    "r")
                .oneLineError(ExitCodes.INVALID))
        .contains("--ttl");
  }

  @Test
  void proposeSetQuota_forANonMember_exitsConflict() {
    String line =
        as(
                "DE",
                "gov",
                "propose",
                "set-quota",
                "US",
                "--gpus",
                "1",
                "--cpus",
                "1",
                "--memory",
                "1Gi",
                "--reason",
                "r")
            .oneLineError(ExitCodes.CONFLICT);
    assertThat(line).contains("FAILED_PRECONDITION").contains("US is not a member");
  }

  @Test
  void genesis_draftSignedByEveryFoundingNation_isComplete(@TempDir Path files) {
    String genesis = files.resolve("genesis.pb").toString();
    Cli.run(
            "gov",
            "genesis",
            "draft",
            "--federation",
            "consortium",
            "--member",
            "DE=" + root("DE"),
            "--member",
            "FR=" + root("FR"),
            "--member",
            "JP=" + root("JP"),
            "--quota",
            "DE=8,64,256Gi",
            "--threshold",
            "2",
            "--out",
            genesis)
        .succeeded();
    assertThat(Cli.run("gov", "genesis", "show", genesis).succeeded().out())
        .contains("members     DE, FR, JP")
        .contains("threshold   2 of 3 nations")
        .contains("missing     DE, FR, JP")
        .contains("incomplete: ");

    Cli.run("gov", "genesis", "sign", genesis, "--identity", identity("DE")).succeeded();
    Cli.Result fr = Cli.run("gov", "genesis", "sign", genesis, "--identity", identity("FR"));
    assertThat(fr.succeeded().out()).contains("signed by DE, FR; still missing JP");

    JsonNode two = TestFederation.json(Cli.run("gov", "genesis", "show", genesis, "--json").out());
    assertThat(two.get("complete").asBoolean()).isFalse();
    assertThat(two.get("missingNations")).extracting(JsonNode::asText).containsExactly("JP");
    assertThat(two.get("refused").asText()).contains("missing [JP]");
    assertThat(Cli.run("gov", "genesis", "show", genesis).succeeded().out())
        .contains("incomplete: ")
        .contains("JP");
    assertThat(
            Cli.run("gov", "genesis", "sign", genesis, "--identity", identity("DE"))
                .oneLineError(ExitCodes.CONFLICT))
        .contains("DE has signed");

    Cli.Result jp = Cli.run("gov", "genesis", "sign", genesis, "--identity", identity("JP"));
    assertThat(jp.succeeded().out()).contains("complete: every founding nation signed");
    JsonNode all = TestFederation.json(Cli.run("gov", "genesis", "show", genesis, "--json").out());
    assertThat(all.get("complete").asBoolean()).isTrue();
    assertThat(all.get("signedBy"))
        .extracting(JsonNode::asText)
        .containsExactly(
            "entente://DE/operator/de-ops",
            "entente://FR/operator/fr-ops",
            "entente://JP/operator/jp-ops");
    assertThat(member(all, "DE").get("quota").get("nominal").get("gpus").asLong()).isEqualTo(8);
    assertThat(member(all, "FR").get("quota").isNull()).isTrue();
    assertThat(Cli.run("gov", "genesis", "show", genesis).succeeded().out())
        .contains("complete: every founding nation signed");
  }

  @Test
  void genesisDraft_rootOfAnotherNation_exitsInvalid(@TempDir Path files) {
    String line =
        Cli.run(
                "gov",
                "genesis",
                "draft",
                "--federation",
                "x",
                "--member",
                "DE=" + root("FR"),
                "--out",
                files.resolve("g.pb").toString())
            .oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("--member").contains("root of FR");
    assertThat(files.resolve("g.pb")).doesNotExist();
  }

  /** Runs last: the replicas keep their alarms, so every later list would exit 8. */
  @Test
  @Order(Integer.MAX_VALUE)
  void list_afterTheGovernedStateIsEditedByHand_reportsItAndExitsVerifyFailed() throws Exception {
    try (CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .namespace("entente")
            .retryPolicy(new RetryOneTime(100))
            .build()) {
      c.start();
      byte[] garbage = "not a state".getBytes(StandardCharsets.UTF_8);
      if (c.checkExists().forPath("/governance/state") == null) {
        c.create().creatingParentsIfNeeded().forPath("/governance/state", garbage);
      } else {
        c.setData().forPath("/governance/state", garbage);
      }
    }

    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result r = as("DE", "gov", "list");
              assertThat(r.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
              assertThat(r.out()).startsWith("ID");
              assertThat(r.errLines().get(0)).isEqualTo("REFUSED BY THIS REPLICA");
              assertThat(r.err()).contains("/governance/state does not decode");
            });
    Cli.Result json = as("DE", "gov", "state", "--json");
    assertThat(json.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
    assertThat(TestFederation.json(json.out()).get("alarms").get(0).asText())
        .contains("/governance/state");
    // An auditor hears of it too: the audit fails, naming what the replica refused.
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              Cli.Result audit =
                  Cli.run(
                      "ledger",
                      "audit",
                      "--coordinator",
                      coordinators,
                      "--identity",
                      dir.resolve("ids").resolve("fr-auditor").toString(),
                      "--state",
                      dir.resolve("audit-state.json").toString());
              assertThat(audit.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
              assertThat(audit.out()).contains("governance-alarm").contains("/governance/state");
            });
  }
}
