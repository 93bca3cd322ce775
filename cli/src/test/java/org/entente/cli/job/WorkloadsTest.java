package org.entente.cli.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.TestFederation;
import org.entente.cli.TestZooKeeper;
import org.entente.cli.demo.DemoData;
import org.entente.cli.demo.LocalFederation;
import org.entente.proto.model.ModelFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real workloads end to end: DJL runners on agents of three nations, FedAvg through the
 * coordinators, models and outputs in the artifact store, all over mTLS with a real ZooKeeper.
 */
class WorkloadsTest {
  private static final List<String> NATIONS = List.of("DE", "FR", "JP");
  private static final Duration JOB_DEADLINE = Duration.ofSeconds(90);

  @TempDir static Path dir;
  private static TestingServer zk;
  private static LocalFederation fed;
  private static String coordinators;
  private static String de;
  private static DemoData.Written data;

  @BeforeAll
  static void startFederation() throws Exception {
    zk = TestZooKeeper.start();
    fed =
        TestFederation.start(
            zk.getConnectString(), "/entente", dir.resolve("ids"), LocalFederation.DJL);
    coordinators = String.join(",", fed.addresses());
    de = dir.resolve("ids/de-operator").toString();
    data = new DemoData(7).write(dir.resolve("data"), NATIONS, 400, 300);
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

  private static String submit(String name, String yaml) throws IOException {
    Path file = Files.writeString(dir.resolve(name + ".yaml"), yaml);
    return asDe("submit", file.toString()).succeeded().outLines().get(0);
  }

  private static JsonNode job(String id) {
    Cli.Result r =
        await()
            .atMost(TestFederation.DEADLINE)
            .until(() -> asDe("job", id, "--json"), x -> x.exitCode() == ExitCodes.OK);
    return TestFederation.json(r.succeeded().out());
  }

  private static JsonNode awaitEnd(String id) {
    await()
        .atMost(JOB_DEADLINE)
        .alias("job " + id + " ends")
        .until(
            () -> job(id).get("summary").get("state").asText(),
            s -> s.equals("SUCCEEDED") || s.equals("FAILED") || s.equals("CANCELLED"));
    return job(id);
  }

  private static String trainingYaml(String name, int rounds, String extra) {
    StringBuilder b =
        new StringBuilder(
            """
            name: %s
            kind: training
            shards: 3
            gang: true
            retryLimit: 0
            resources: {cpus: 1, memory: 256Mi}
            parameters:
              model: mlp
              inputs: 8
              hidden: 16
              classes: 4
              rounds: %d
              localSteps: 20
              batchSize: 32
              learningRate: 0.05
            %s
            data:
            """
                .formatted(name, rounds, extra));
    for (String n : NATIONS) {
      DemoData.File f = data.partitions().get(n);
      b.append("  - {uri: \"")
          .append(f.path().toUri())
          .append("\", sha256: \"")
          .append(f.sha256())
          .append("\", jurisdiction: ")
          .append(n)
          .append("}\n");
    }
    return b.toString();
  }

  private static String sha256(Path p) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  @Test
  void federatedTraining_lossFalls_dataStaysInItsNation_andTheModelServesInference()
      throws Exception {
    String id = submit("fedavg", trainingYaml("fedavg", 4, ""));
    JsonNode j = awaitEnd(id);
    assertThat(j.get("summary").get("state").asText())
        .as(j.get("summary").get("reason").asText())
        .isEqualTo("SUCCEEDED");
    // Each shard ran in the nation of the partition it read.
    for (int i = 0; i < 3; i++) {
      assertThat(j.get("shards").get(i).get("node").asText()).startsWith(NATIONS.get(i) + "/");
    }
    JsonNode rounds = j.get("training").get("recent");
    assertThat(rounds).hasSize(4);
    for (JsonNode r : rounds) {
      assertThat(r.get("contributions")).hasSize(3);
    }
    double first = rounds.get(0).get("loss").asDouble();
    double last = rounds.get(3).get("loss").asDouble();
    assertThat(last).isLessThan(first * 0.8);

    // The trained model comes down with --output, checked against its digest.
    Path out = dir.resolve("fedavg-out");
    asDe("job", id, "--output", out.toString()).succeeded();
    Path model = out.resolve("model.entm");
    String modelSha = j.get("training").get("checkpoint").get("sha256").asText();
    assertThat(sha256(model)).isEqualTo(modelSha);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(model))) {
      ModelFile m = ModelFile.read(in);
      assertThat(m.header().getRound()).isEqualTo(4);
      assertThat(m.header().getArchitecture()).isEqualTo("mlp");
    }

    // The ledger says where the model came from and who paid for it, verified.
    JsonNode prov =
        await("provenance cosigned")
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  Cli.Result r =
                      Cli.run(
                          "ledger",
                          "provenance",
                          modelSha,
                          "--json",
                          "--coordinator",
                          coordinators,
                          "--identity",
                          dir.resolve("ids/fr-auditor").toString());
                  return r.exitCode() == 0 ? TestFederation.json(r.out()) : null;
                },
                java.util.Objects::nonNull);
    assertThat(prov.get("job").asText()).isEqualTo(id);
    assertThat(prov.get("architecture").asText()).isEqualTo("mlp");
    assertThat(prov.get("rounds").asInt()).isEqualTo(4);
    assertThat(prov.get("data")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(prov.get("data").get(i).get("jurisdiction").asText()).isEqualTo(NATIONS.get(i));
    }
    assertThat(prov.get("cpuHoursByNation").fieldNames())
        .toIterable()
        .containsExactlyElementsOf(NATIONS);
    assertThat(prov.get("receipts")).hasSize(3);

    // Batch inference with it over the held-out set, in two shards.
    DemoData.File held = data.heldOut();
    String inference =
        submit(
            "score",
            """
            name: score
            kind: inference
            shards: 2
            retryLimit: 0
            resources: {cpus: 1, memory: 256Mi}
            model: {uri: "entente:artifacts/%s", sha256: "%s"}
            data:
              - {uri: "%s", sha256: "%s"}
            parameters: {batchSize: 64}
            """
                .formatted(modelSha, modelSha, held.path().toUri(), held.sha256()));
    JsonNode s = awaitEnd(inference);
    assertThat(s.get("summary").get("state").asText())
        .as(s.get("summary").get("reason").asText())
        .isEqualTo("SUCCEEDED");
    Path scored = dir.resolve("score-out");
    Cli.Result got = asDe("job", inference, "--output", scored.toString()).succeeded();
    assertThat(got.outLines()).hasSize(2);
    int right = 0;
    int rows = 0;
    for (int shard = 0; shard < 2; shard++) {
      Path file = scored.resolve("shard-" + shard + ".csv");
      assertThat(sha256(file))
          .isEqualTo(s.get("shards").get(shard).get("output").get("sha256").asText());
      List<String> lines = Files.readAllLines(file);
      assertThat(lines.get(0)).isEqualTo("row,class");
      for (String l : lines.subList(1, lines.size())) {
        String[] cells = l.split(",");
        rows++;
        if (Integer.parseInt(cells[1]) == data.heldOutLabels()[Integer.parseInt(cells[0])]) {
          right++;
        }
      }
    }
    assertThat(rows).isEqualTo(held.rows());
    assertThat((double) right / rows).isGreaterThan(0.7);
  }

  @Test
  void aTamperedArtifact_failsTheShardNamingTheMismatch_andNothingRuns() throws Exception {
    Path copy = dir.resolve("tampered.csv");
    Files.copy(data.heldOut().path(), copy);
    String declared = sha256(copy);
    Files.writeString(
        copy, "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8\n", java.nio.file.StandardOpenOption.APPEND);
    // The model artifact is intact (its digest matches), so the failure is the data's.
    Path modelFile = data.partitions().get("DE").path();
    String model = data.partitions().get("DE").sha256();
    String id =
        submit(
            "tampered",
            """
            name: tampered
            kind: inference
            shards: 1
            retryLimit: 0
            resources: {cpus: 1}
            model: {uri: "%s", sha256: "%s"}
            data:
              - {uri: "%s", sha256: "%s"}
            """
                .formatted(modelFile.toUri(), model, copy.toUri(), declared));
    JsonNode j = awaitEnd(id);
    assertThat(j.get("summary").get("state").asText()).isEqualTo("FAILED");
    assertThat(j.get("shards").get(0).get("reason").asText())
        .contains("digest mismatch")
        .contains(declared);
    assertThat(j.get("shards").get(0).has("output")).isFalse();
  }

  @Test
  void aRunnerThatThrows_failsTheShardWithItsMessage() throws Exception {
    // The MLP needs its input width; the runner refuses before any step.
    String yaml = trainingYaml("no-inputs", 2, "").replace("  inputs: 8\n", "");
    String id = submit("no-inputs", yaml);
    JsonNode j = awaitEnd(id);
    assertThat(j.get("summary").get("state").asText()).isEqualTo("FAILED");
    assertThat(j.get("summary").get("reason").asText()).contains("parameters.inputs");
  }
}
