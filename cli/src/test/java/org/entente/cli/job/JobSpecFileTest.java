package org.entente.cli.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSpecFileTest {
  private static final String SHA = "a".repeat(64);
  private static final String SHA2 = "0123456789abcdef".repeat(4);

  private static final String TRAINING =
      """
      # a federated training job
      name: mnist-federated
      kind: training
      shards: 3
      gang: true
      priority: 10
      retryLimit: 5
      maxRuntime: 2h
      resources:
        gpus: 1
        gpuMemory: 16Gi
        cpus: 2
        memory: 4G
      placement:
        jurisdictions: [DE, FR, NO]
        spread: true
        labels: {zone: a, tier: 1}
        gpuModel: H100
      model: {uri: "file:///models/mlp.pt", sha256: "%s"}
      data:
        - {uri: "https://data.example/de.csv", sha256: "%s"}
        - uri: entente://DE/datasets/fr
          sha256: %s
      parameters:
        duration: 30s
        steps: 100
        verbose: true
      """
          .formatted(SHA, SHA2, SHA);

  private static final String MINIMAL =
      """
      name: embed
      kind: inference
      shards: 2
      resources: {}
      """;

  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("job.yaml"), yaml);
  }

  /** Reads {@code yaml} expecting it to be refused; returns the one-line message. */
  private String refused(String yaml) throws IOException {
    Path file = write(yaml);
    Throwable thrown = catchThrowable(() -> JobSpecFile.read(file));
    assertThat(thrown).as("refused: %s", yaml).isInstanceOf(UserException.class);
    UserException e = (UserException) thrown;
    assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID);
    assertThat(e.getMessage()).doesNotContain("\n");
    assertThat(e.getMessage()).startsWith(file + ":");
    return e.getMessage().substring(file.toString().length());
  }

  private static String replace(String yaml, String from, String to) {
    assertThat(yaml).contains(from);
    return yaml.replace(from, to);
  }

  @Test
  void read_fullTrainingFile_setsEveryField() throws IOException {
    JobSpec s = JobSpecFile.read(write(TRAINING));

    assertThat(s.getName()).isEqualTo("mnist-federated");
    assertThat(s.getKind()).isEqualTo("training");
    assertThat(s.getShards()).isEqualTo(3);
    assertThat(s.getGang()).isTrue();
    assertThat(s.getPriority()).isEqualTo(10);
    assertThat(s.getRetryLimit()).isEqualTo(5);
    assertThat(s.getMaxRuntimeMs()).isEqualTo(7_200_000L);
    assertThat(s.getResources().getGpus()).isEqualTo(1);
    assertThat(s.getResources().getGpuMemoryBytes()).isEqualTo(16L << 30);
    assertThat(s.getResources().getCpus()).isEqualTo(2);
    assertThat(s.getResources().getMemoryBytes()).isEqualTo(4_000_000_000L);
    assertThat(s.getPlacement().getJurisdictionsList()).containsExactly("DE", "FR", "NO");
    assertThat(s.getPlacement().getSpread()).isTrue();
    assertThat(s.getPlacement().getLabelsMap()).isEqualTo(Map.of("zone", "a", "tier", "1"));
    assertThat(s.getPlacement().getGpuModel()).isEqualTo("H100");
    assertThat(s.getModel())
        .isEqualTo(Artifact.newBuilder().setUri("file:///models/mlp.pt").setSha256(SHA).build());
    assertThat(s.getDataList())
        .extracting(Artifact::getUri)
        .containsExactly("https://data.example/de.csv", "entente://DE/datasets/fr");
    assertThat(s.getData(0).getSha256()).isEqualTo(SHA2);
    assertThat(s.getParametersMap())
        .isEqualTo(Map.of("duration", "30s", "steps", "100", "verbose", "true"));
  }

  @Test
  void read_minimalInferenceFile_appliesDefaults() throws IOException {
    JobSpec s = JobSpecFile.read(write(MINIMAL));

    assertThat(s.getKind()).isEqualTo("inference");
    assertThat(s.getShards()).isEqualTo(2);
    assertThat(s.getGang()).isFalse();
    assertThat(s.getPriority()).isZero();
    assertThat(s.getRetryLimit()).isEqualTo(3);
    assertThat(s.getMaxRuntimeMs()).isZero();
    assertThat(s.getResources().getGpus()).isZero();
    assertThat(s.getResources().getCpus()).isEqualTo(1);
    assertThat(s.getResources().getMemoryBytes()).isZero();
    assertThat(s.hasPlacement()).isFalse();
    assertThat(s.hasModel()).isFalse();
    assertThat(s.getDataCount()).isZero();
    assertThat(s.getParametersCount()).isZero();
  }

  @Test
  void load_recordsTheLineOfEveryField() throws IOException {
    JobSpecFile f = JobSpecFile.load(write(TRAINING));

    assertThat(f.lines())
        .containsEntry("name", 2)
        .containsEntry("resources", 9)
        .containsEntry("resources.gpus", 10)
        .containsEntry("placement.jurisdictions", 15)
        .containsEntry("placement.jurisdictions[1]", 15)
        .containsEntry("placement.labels.zone", 17)
        .containsEntry("data[0].sha256", 21)
        .containsEntry("data[1]", 22)
        .containsEntry("data[1].sha256", 23)
        .containsEntry("parameters.duration", 25);
  }

  @Test
  void read_bothExampleFiles_areValid() {
    JobSpec training = JobSpecFile.read(Path.of("..", "deploy", "examples", "job-training.yaml"));
    JobSpec inference = JobSpecFile.read(Path.of("..", "deploy", "examples", "job-inference.yaml"));

    assertThat(training.getKind()).isEqualTo("training");
    assertThat(training.getShards()).isEqualTo(3);
    assertThat(training.getGang()).isTrue();
    assertThat(training.getResources().getGpus()).isZero();
    assertThat(training.getDataList())
        .extracting(Artifact::getJurisdiction)
        .containsExactly("DE", "FR", "JP");
    assertThat(training.getParametersMap())
        .containsEntry("model", "mlp")
        .containsEntry("rounds", "20");
    assertThat(inference.getKind()).isEqualTo("inference");
    assertThat(inference.getShards()).isEqualTo(2);
    assertThat(inference.getGang()).isFalse();
    assertThat(inference.getModel().getUri()).startsWith("entente:artifacts/");
    assertThat(inference.getDataCount()).isEqualTo(1);
  }

  @Test
  void exampleFiles_passTheCoordinatorsChecks() {
    for (String name : List.of("job-training.yaml", "job-inference.yaml")) {
      JobSpec p = JobSpecFile.read(Path.of("..", "deploy", "examples", name));
      org.entente.coordinator.model.JobSpec.fromProto(p);
    }
  }

  @Test
  void read_unknownTopLevelField_namesItsLine() throws IOException {
    assertThat(refused(replace(TRAINING, "gang: true\n", "gang: true\nreplicas: 2\n")))
        .startsWith(":6: replicas: unknown field; known fields: name, kind, shards");
  }

  @Test
  void read_unknownNestedField_namesPathAndLine() throws IOException {
    assertThat(refused(replace(TRAINING, "  cpus: 2\n", "  cpu: 2\n")))
        .startsWith(
            ":12: resources.cpu: unknown field; known fields: gpus, gpuMemory, cpus, memory");
  }

  @Test
  void read_unknownFieldInListItem_namesIndex() throws IOException {
    assertThat(refused(replace(TRAINING, "    sha256: " + SHA, "    sha: " + SHA)))
        .isEqualTo(":23: data[1].sha: unknown field; known fields: uri, sha256, jurisdiction");
  }

  @Test
  void read_wrongType_namesPathAndLine() throws IOException {
    assertThat(refused(replace(TRAINING, "  gpus: 1\n", "  gpus: one\n")))
        .isEqualTo(":10: resources.gpus: must be a whole number, got 'one'");
    assertThat(refused(replace(TRAINING, "gang: true", "gang: 3")))
        .isEqualTo(":5: gang: must be true or false, got '3'");
    assertThat(refused(replace(TRAINING, "  spread: true", "  spread: [a]")))
        .isEqualTo(":16: placement.spread: must be a single value, got a list");
    assertThat(refused(replace(MINIMAL, "resources: {}", "resources: 4")))
        .isEqualTo(":4: resources: must be a mapping of fields, got '4'");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "16GB  | '16GB' is not a byte quantity",
        "1.5Gi | '1.5Gi' is not a byte quantity",
        "-1    | '-1' is not a byte quantity",
        "16gi  | '16gi' is not a byte quantity",
        "99999999Ti | '99999999Ti' is too large"
      })
  void read_badQuantity_namesFieldAndLine(String quantity, String problem) throws IOException {
    assertThat(refused(replace(TRAINING, "  gpuMemory: 16Gi", "  gpuMemory: " + quantity)))
        .startsWith(":11: resources.gpuMemory: " + problem);
  }

  @ParameterizedTest
  @CsvSource({"4096, 4096", "4Ki, 4096", "3Mi, 3145728", "2Ti, 2199023255552", "5K, 5000"})
  void read_quantity_inEveryForm(String quantity, long bytes) throws IOException {
    JobSpec s = JobSpecFile.read(write(replace(TRAINING, "  memory: 4G", "  memory: " + quantity)));
    assertThat(s.getResources().getMemoryBytes()).isEqualTo(bytes);
  }

  @Test
  void read_badSha_namesTheArtifact() throws IOException {
    assertThat(refused(replace(TRAINING, "sha256: \"" + SHA2 + "\"", "sha256: \"ABC\"")))
        .isEqualTo(
            ":21: data[0].sha256: must be 64 lowercase hex digits (the SHA-256 of the content)");
    assertThat(
            refused(
                replace(
                    TRAINING, "sha256: \"" + SHA + "\"", "sha256: \"" + SHA.toUpperCase() + "\"")))
        .startsWith(":19: model.sha256: must be 64 lowercase hex digits");
  }

  @Test
  void read_badScheme_namesTheUri() throws IOException {
    assertThat(refused(replace(TRAINING, "https://data.example", "http://data.example")))
        .isEqualTo(
            ":21: data[0].uri: must be a file:, https: or entente: URI of at most 2048 characters,"
                + " got 'http://data.example/de.csv'");
  }

  @Test
  void read_artifactWithoutSha_isMissingAtItsLine() throws IOException {
    assertThat(refused(replace(TRAINING, ", sha256: \"" + SHA + "\"}", "}")))
        .isEqualTo(":19: model.sha256: required field is missing");
  }

  @Test
  void read_badNationCode_namesTheListItem() throws IOException {
    assertThat(refused(replace(TRAINING, "[DE, FR, NO]", "[DE, fr]")))
        .isEqualTo(
            ":15: placement.jurisdictions[1]: a nation code is 2-3 capital letters, got 'fr'");
    assertThat(refused(replace(TRAINING, "[DE, FR, NO]", "\n    - DE\n    - GERMANY")))
        .isEqualTo(
            ":17: placement.jurisdictions[1]: a nation code is 2-3 capital letters, got 'GERMANY'");
    assertThat(refused(replace(TRAINING, "[DE, FR, NO]", "[DE, FR, DE]")))
        .isEqualTo(":15: placement.jurisdictions[2]: DE is listed twice");
  }

  @ParameterizedTest
  @CsvSource({"0", "1025", "-3", "99999999999"})
  void read_shardsOutOfRange_givesTheRange(String shards) throws IOException {
    assertThat(refused(replace(TRAINING, "shards: 3", "shards: " + shards)))
        .isEqualTo(":4: shards: must be between 1 and 1024, got " + shards);
  }

  @Test
  void read_otherRanges_areChecked() throws IOException {
    assertThat(refused(replace(TRAINING, "priority: 10", "priority: 1001")))
        .isEqualTo(":6: priority: must be between -1000 and 1000, got 1001");
    assertThat(refused(replace(TRAINING, "  gpus: 1", "  gpus: 65")))
        .isEqualTo(":10: resources.gpus: must be between 0 and 64, got 65");
    assertThat(refused(replace(TRAINING, "  cpus: 2", "  cpus: 0")))
        .isEqualTo(":12: resources.cpus: must be between 1 and 4096, got 0");
    assertThat(refused(replace(TRAINING, "retryLimit: 5", "retryLimit: 101")))
        .isEqualTo(":7: retryLimit: must be between 0 and 100, got 101");
    assertThat(refused(replace(TRAINING, "maxRuntime: 2h", "maxRuntime: 721h")))
        .isEqualTo(":8: maxRuntime: must be at most 30 days (720h), got 721h");
    assertThat(refused(replace(TRAINING, "maxRuntime: 2h", "maxRuntime: 2 hours")))
        .startsWith(":8: maxRuntime: '2 hours' is not a duration");
  }

  @Test
  void read_missingRequiredField_namesIt() throws IOException {
    assertThat(refused(replace(MINIMAL, "shards: 2\n", "")))
        .isEqualTo(":1: shards: required field is missing");
    assertThat(refused(replace(MINIMAL, "resources: {}\n", "resources:\n")))
        .isEqualTo(":4: resources: needs a value");
  }

  @Test
  void read_badNameOrKind_showsTheValue() throws IOException {
    assertThat(refused(replace(MINIMAL, "name: embed", "name: Embed")))
        .isEqualTo(
            ":1: name: must be 1-63 lowercase letters, digits and '-', starting with a letter,"
                + " got 'Embed'");
    assertThat(refused(replace(MINIMAL, "kind: inference", "kind: serving")))
        .isEqualTo(":2: kind: must be 'training' or 'inference', got 'serving'");
  }

  @Test
  void read_placementThatCannotHold_isRefused() throws IOException {
    assertThat(refused(replace(TRAINING, "shards: 3", "shards: 1")))
        .isEqualTo(":16: placement.spread: needs at least 2 shards");
    assertThat(refused(replace(TRAINING, "  gpus: 1\n  gpuMemory: 16Gi\n", "")))
        .isEqualTo(":16: placement.gpuModel: set only when resources.gpus > 0");
  }

  @Test
  void read_duplicateKey_namesBothLines() throws IOException {
    assertThat(refused(replace(MINIMAL, "shards: 2\n", "shards: 2\nshards: 3\n")))
        .isEqualTo(":4: shards: appears twice (first on line 3)");
  }

  @Test
  void read_parameterGivenAsList_isRefused() throws IOException {
    assertThat(refused(MINIMAL + "parameters:\n  steps: [1, 2]\n"))
        .isEqualTo(":6: parameters.steps: must be a single value, got a list");
  }

  @Test
  void read_syntaxError_namesLine() throws IOException {
    assertThat(refused(MINIMAL + "parameters: {a: 1\n")).matches(":\\d+: not valid YAML: .*");
  }

  @Test
  void read_listAtTopLevel_isRefused() throws IOException {
    assertThat(refused("- name: x\n")).isEqualTo(":1: must be a mapping of fields, got a list");
  }

  @Test
  void read_missingFile_namesIt() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> JobSpecFile.read(missing))
        .isInstanceOf(UserException.class)
        .hasMessage(missing + ": no such file");
  }

  @Test
  void locate_serverDescription_pointsAtTheFieldsLine() throws IOException {
    Path file = write(TRAINING);
    JobSpecFile f = JobSpecFile.load(file);

    assertThat(f.locate("field 'resources.gpus': no node has 8 GPUs (largest: 4 on DE/gpu-01)"))
        .contains(file + ":10: resources.gpus: no node has 8 GPUs (largest: 4 on DE/gpu-01)");
    assertThat(f.locate("field 'placement.jurisdictions[2]': NO is not a member nation"))
        .contains(file + ":15: placement.jurisdictions[2]: NO is not a member nation");
  }

  @Test
  void locate_fieldLeftToDefault_pointsAtItsParent() throws IOException {
    Path file = write(MINIMAL);
    JobSpecFile f = JobSpecFile.load(file);

    assertThat(f.locate("field 'resources.cpus': no node has 1 free CPU"))
        .contains(file + ":4: resources.cpus: no node has 1 free CPU");
  }

  @Test
  void locate_descriptionWithoutField_isEmpty() throws IOException {
    JobSpecFile f = JobSpecFile.load(write(MINIMAL));

    assertThat(f.locate("nation FR: you may only submit for DE")).isEmpty();
    assertThat(f.locate("field 'placement.spread': needs a placement")).isEmpty();
    assertThat(f.locate(null)).isEmpty();
  }

  private static final String PARTITIONED =
      """
      name: residency
      kind: training
      shards: 2
      resources: {cpus: 1}
      data:
        - {uri: "file:///data/de.csv", sha256: "%s", jurisdiction: DE}
        - {uri: "file:///data/fr.csv", sha256: "%s", jurisdiction: FR}
      """
          .formatted(SHA, SHA2);

  @Test
  void read_dataJurisdictions_pinEachPartition() throws IOException {
    JobSpec s = JobSpecFile.read(write(PARTITIONED));
    assertThat(s.getDataList()).extracting(Artifact::getJurisdiction).containsExactly("DE", "FR");
  }

  @Test
  void read_badDataJurisdiction_namesLineAndField() throws IOException {
    assertThat(refused(replace(PARTITIONED, "jurisdiction: FR}", "jurisdiction: fr}")))
        .startsWith(":7: data[1].jurisdiction: a nation code is 2-3 capital letters");
  }

  @Test
  void read_modelJurisdiction_isUnknownField() throws IOException {
    String yaml =
        PARTITIONED
            + "model: {uri: \"file:///m\", sha256: \"%s\", jurisdiction: DE}\n".formatted(SHA);
    assertThat(refused(yaml)).startsWith(":8: model.jurisdiction: unknown field");
  }
}
