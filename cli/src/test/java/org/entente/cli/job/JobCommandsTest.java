package org.entente.cli.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.curator.test.TestingServer;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.TestFederation;
import org.entente.cli.TestZooKeeper;
import org.entente.cli.demo.LocalFederation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job commands against one real federation: three coordinator replicas (DE, FR, JP) and one
 * agent per nation over mTLS on loopback, with a real ZooKeeper.
 */
class JobCommandsTest {
  private static final Set<String> SHARD_STATES =
      Set.of("PENDING", "PLACED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "REQUEUED");

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

  private static Path jobFile(String name, String yaml) throws IOException {
    return Files.writeString(dir.resolve(name + ".yaml"), yaml);
  }

  /** A CPU-only placeholder job of {@code shards} shards that runs for {@code duration}. */
  private static Path cpuJob(String name, int shards, String duration) throws IOException {
    return jobFile(
        name,
        """
        name: %s
        kind: inference
        shards: %d
        resources:
          cpus: 1
          memory: 64Mi
        parameters:
          duration: %s
        """
            .formatted(name, shards, duration));
  }

  /** Submits {@code file} as the DE operator; returns the printed job id. */
  private static String submit(Path file) {
    Cli.Result r = asDe("submit", file.toString()).succeeded();
    assertThat(r.outLines()).hasSize(1);
    String id = r.outLines().get(0);
    assertThat(id).isNotBlank().doesNotContainAnyWhitespaces();
    return id;
  }

  /**
   * {@code entente job ID --json}, once the answering replica's view holds the job (reads are
   * answered from each replica's own view, which may trail the leader's by a moment).
   */
  private static JsonNode job(String id) {
    Cli.Result r =
        await()
            .atMost(TestFederation.DEADLINE)
            .until(() -> asDe("job", id, "--json"), x -> x.exitCode() == ExitCodes.OK);
    return TestFederation.json(r.succeeded().out());
  }

  @Test
  void submit_printsAnIdThatJobShowsWithItsShards() throws IOException {
    String id = submit(cpuJob("three-shards", 3, "2s"));

    JsonNode j = job(id);

    assertThat(j.get("summary").get("jobId").asText()).isEqualTo(id);
    assertThat(j.get("summary").get("name").asText()).isEqualTo("three-shards");
    assertThat(j.get("summary").get("nation").asText()).isEqualTo("DE");
    assertThat(j.get("summary").get("shards").asInt()).isEqualTo(3);
    assertThat(j.get("spec").get("parameters").get("duration").asText()).isEqualTo("2s");
    assertThat(j.get("shards")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(j.get("shards").get(i).get("index").asInt()).isEqualTo(i);
      assertThat(j.get("shards").get(i).get("state").asText()).isIn(SHARD_STATES);
    }
  }

  @Test
  void submit_json_printsIdAndDuplicateFlag() throws IOException {
    Cli.Result r = asDe("submit", cpuJob("json-submit", 1, "1s").toString(), "--json").succeeded();

    JsonNode out = TestFederation.json(r.out());

    assertThat(out.get("jobId").asText()).isNotBlank();
    assertThat(out.get("duplicate").asBoolean()).isFalse();
  }

  @Test
  void submit_array_makesOneJobPerIndex_thatRunsAndIsListedWithItsIndex() throws IOException {
    Path file = cpuJob("sweep", 1, "200ms");

    Cli.Result line = asDe("submit", file.toString(), "--array", "0-2,10").succeeded();
    assertThat(line.outLines()).hasSize(1);
    assertThat(line.outLines().get(0))
        .matches("j\\d+-\\d+ \\.\\. j\\d+-\\d+: 4 jobs, indices 0-2,10");

    JsonNode out =
        TestFederation.json(
            asDe("submit", file.toString(), "--array", "5-9:2", "--json").succeeded().out());
    List<Integer> indices = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    out.get("jobs")
        .forEach(
            j -> {
              indices.add(j.get("index").asInt());
              ids.add(j.get("jobId").asText());
            });
    assertThat(indices).containsExactly(5, 7, 9);
    assertThat(out.get("jobId").asText()).isEqualTo(ids.get(0));
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      int index = indices.get(i);
      await()
          .atMost(TestFederation.DEADLINE)
          .untilAsserted(
              () -> {
                JsonNode j = job(id);
                assertThat(j.get("summary").get("state").asText()).isEqualTo("SUCCEEDED");
                assertThat(j.get("summary").get("arrayIndex").asInt()).isEqualTo(index);
                assertThat(j.get("spec").get("parameters").get("array.index").asText())
                    .isEqualTo(Integer.toString(index));
              });
    }
    assertThat(asDe("jobs", "--nation", "DE").succeeded().outLines())
        .anySatisfy(l -> assertThat(l).startsWith(ids.get(1)).contains("sweep[7]"));
  }

  @Test
  void submit_malformedArray_exitsUsageAndSendsNothing() throws IOException {
    Path file = cpuJob("bad-array", 1, "1s");

    String line = asDe("submit", file.toString(), "--array", "3-x").oneLineError(ExitCodes.USAGE);

    assertThat(line).contains("'3-x'").contains("FIRST-LAST[:STEP]");
    String big =
        asDe("submit", file.toString(), "--array", "0-10000").oneLineError(ExitCodes.INVALID);
    assertThat(big).contains("array").contains("at most 10000 jobs");
    JsonNode all = TestFederation.json(asDe("jobs", "--json").succeeded().out());
    all.get("jobs").forEach(j -> assertThat(j.get("name").asText()).isNotEqualTo("bad-array"));
  }

  @Test
  void job_table_showsSummaryAndOneRowPerShard() throws IOException {
    String id = submit(cpuJob("table-view", 2, "1s"));
    job(id);

    Cli.Result r = asDe("job", id).succeeded();

    assertThat(r.out()).contains("job        " + id).contains("table-view (inference)");
    List<String> lines = r.out().lines().toList();
    int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("INDEX")).findFirst().get());
    assertThat(lines.get(header)).matches("INDEX +STATE +NODE +ATTEMPT +RETRIES +REASON");
    assertThat(lines.subList(header + 1, lines.size()))
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).matches("[01] +[A-Z]+ +\\S+ +\\d+ +\\d+ +.+"));
  }

  @Test
  void jobs_listsTheSubmittedJob() throws IOException {
    String id = submit(cpuJob("listed", 1, "1s"));

    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              JsonNode all = TestFederation.json(asDe("jobs", "--json").succeeded().out());
              List<String> ids = new ArrayList<>();
              all.get("jobs").forEach(j -> ids.add(j.get("jobId").asText()));
              assertThat(ids).contains(id);
            });
    Cli.Result table = asDe("jobs", "--nation", "DE").succeeded();

    assertThat(table.out()).startsWith("ID").containsPattern("\\d+ job\\(s\\)");
    assertThat(table.outLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(id)
                    .contains("listed")
                    .contains("inference")
                    .contains("DE"));
  }

  @Test
  void jobs_unknownState_exitsInvalidWithoutCalling() {
    String line = asDe("jobs", "--state", "SLEEPING").oneLineError(ExitCodes.INVALID);
    assertThat(line).contains("--state").contains("SLEEPING").contains("RUNNING");
  }

  @Test
  void cancel_longJob_printsCancelledAndJobShowsIt() throws IOException {
    String id = submit(cpuJob("to-cancel", 2, "10m"));

    Cli.Result r = asDe("cancel", id, "--reason", "test over").succeeded();

    assertThat(r.out().strip()).isEqualTo(id + " is CANCELLED");
    await()
        .atMost(TestFederation.DEADLINE)
        .untilAsserted(
            () -> {
              JsonNode j = job(id);
              assertThat(j.get("summary").get("state").asText()).isEqualTo("CANCELLED");
              j.get("shards")
                  .forEach(s -> assertThat(s.get("state").asText()).isEqualTo("CANCELLED"));
            });
  }

  @Test
  void job_unknownId_exitsNotFound() {
    String line = asDe("job", "no-such-job").oneLineError(ExitCodes.NOT_FOUND);
    assertThat(line).contains("NOT_FOUND").contains("no-such-job");
  }

  @Test
  void submit_forAnotherNation_exitsDenied() throws IOException {
    Path file = cpuJob("for-france", 1, "1s");

    String line = asDe("submit", file.toString(), "--nation", "FR").oneLineError(ExitCodes.DENIED);

    assertThat(line).contains("PERMISSION_DENIED");
    JsonNode all = TestFederation.json(asDe("jobs", "--json").succeeded().out());
    all.get("jobs").forEach(j -> assertThat(j.get("name").asText()).isNotEqualTo("for-france"));
  }

  @Test
  void submit_moreGpusThanAnyNode_exitsInvalidAtTheLine() throws IOException {
    Path file =
        jobFile(
            "too-big",
            """
            name: too-big
            kind: training
            shards: 1
            resources:
              gpus: 64
              cpus: 1
            """);

    String line = asDe("submit", file.toString()).oneLineError(ExitCodes.INVALID);

    assertThat(line).startsWith("entente: " + file + ":5: resources.gpus: ");
  }

  @Test
  void submit_invalidFile_exitsInvalidAndSendsNothing() throws IOException {
    Path file = jobFile("typo", "name: typo\nkind: training\nshards: 1\nresources: {gpu: 1}\n");

    String line = asDe("submit", file.toString()).oneLineError(ExitCodes.INVALID);

    assertThat(line)
        .isEqualTo(
            "entente: "
                + file
                + ":4: resources.gpu: unknown field; known"
                + " fields: gpus, gpuMemory, cpus, memory");
    JsonNode all = TestFederation.json(asDe("jobs", "--json").succeeded().out());
    all.get("jobs").forEach(j -> assertThat(j.get("name").asText()).isNotEqualTo("typo"));
  }

  @Test
  void quotas_json_listsEveryNation() {
    JsonNode q = TestFederation.json(asDe("quotas", "--json").succeeded().out());

    List<String> nations = new ArrayList<>();
    q.get("nations").forEach(n -> nations.add(n.get("nation").asText()));
    assertThat(nations).containsExactlyInAnyOrder("DE", "FR", "JP");
    assertThat(q.get("halfLifeMs").asLong()).isPositive();
    q.get("nations")
        .forEach(
            n -> {
              assertThat(n.get("nominal").get("cpus").asLong()).isNotNegative();
              assertThat(n.get("source").asText()).isIn("governed", "contributed");
            });
  }

  @Test
  void quotas_table_hasARowPerNationAndTheHalfLife() {
    Cli.Result r = asDe("quotas").succeeded();

    assertThat(r.out()).startsWith("NATION").contains("half-life of");
    assertThat(r.outLines()).filteredOn(l -> l.matches("(DE|FR|JP) .*")).hasSize(3);
  }
}
