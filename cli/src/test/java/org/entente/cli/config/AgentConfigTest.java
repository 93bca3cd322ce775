package org.entente.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.agent.AgentSettings;
import org.entente.agent.Backoff;
import org.entente.agent.artifacts.DataRoot;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.PkiFiles;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  private static final String HEAD =
      """
      identity:
        cert: node/cert.pem
        key: node/key.pem
      trust:
        - trust/de.pem
        - trust/jp.pem
      """;

  @TempDir Path dir;
  private Path conf;
  private LocalPki pki;

  @BeforeEach
  void writePki() throws IOException {
    conf = dir.resolve("etc");
    pki = LocalPki.create(Clock.systemUTC(), "DE", "JP");
    PkiFiles.writeIdentity(pki, new Identity("DE", Role.NODE, "gpu-01"), conf.resolve("node"));
    PkiFiles.writeRoots(pki, conf.resolve("trust"), "DE", "JP");
  }

  private Path config(String yaml) throws IOException {
    return Files.writeString(conf.resolve("agent.yaml"), yaml);
  }

  private String invalid(String yaml) throws IOException {
    Path file = config(yaml);
    return Cli.run("agent", "--config", file.toString()).oneLineError(ExitCodes.INVALID);
  }

  @Test
  void load_fullConfig_givesSettingsAndLabels() throws IOException {
    Path file =
        config(
            HEAD
                + """
                coordinators: [de.example.org:7443, '10.0.0.2:7443']
                labels:
                  rack: r17
                  gpu-class: h100
                reconnect:
                  initialBackoff: 100ms
                  maxBackoff: 10s
                """);

    AgentConfig.Loaded loaded = AgentConfig.load(file);
    AgentSettings s = loaded.settings();

    assertThat(s.keys().identity()).isEqualTo(new Identity("DE", Role.NODE, "gpu-01"));
    assertThat(s.trust().nations()).containsExactlyInAnyOrder("DE", "JP");
    assertThat(s.coordinators()).containsExactly("de.example.org:7443", "10.0.0.2:7443");
    assertThat(s.backoff()).isEqualTo(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)));
    assertThat(s.keepAlive()).isEqualTo(Duration.ofSeconds(10));
    assertThat(loaded.labels()).isEqualTo(Map.of("rack", "r17", "gpu-class", "h100"));
  }

  @Test
  void load_minimalConfig_usesDefaultBackoffAndNoLabels() throws IOException {
    Path file = config(HEAD + "coordinators: ['127.0.0.1:7443']\n");

    AgentConfig.Loaded loaded = AgentConfig.load(file);

    assertThat(loaded.settings().backoff())
        .isEqualTo(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5)));
    assertThat(loaded.settings().coordinators()).isEqualTo(List.of("127.0.0.1:7443"));
    assertThat(loaded.labels()).isEmpty();
  }

  @Test
  void load_onlyMaxBackoff_keepsDefaultInitial() throws IOException {
    Path file = config(HEAD + "coordinators: ['127.0.0.1:7443']\nreconnect: {maxBackoff: 1m}\n");
    assertThat(AgentConfig.load(file).settings().backoff())
        .isEqualTo(new Backoff(Duration.ofMillis(200), Duration.ofMinutes(1)));
  }

  @Test
  void load_metricsPort_servesMetricsThere_andOmittedIsOff() throws IOException {
    Path on = config(HEAD + "coordinators: ['127.0.0.1:7443']\nmetrics: {port: 9465}\n");
    assertThat(AgentConfig.load(on).settings().metricsPort()).isEqualTo(9465);
    Path off = config(HEAD + "coordinators: ['127.0.0.1:7443']\n");
    assertThat(AgentConfig.load(off).settings().metricsPort()).isEqualTo(-1);
  }

  @Test
  void agent_metricsPortOutOfRange_namesTheField() throws IOException {
    assertThat(invalid(HEAD + "coordinators: ['127.0.0.1:7443']\nmetrics: {port: 70000}\n"))
        .contains("metrics.port")
        .contains("70000");
  }

  @Test
  void load_dataRoots_resolvedWithTheNodesOwnNationByDefault() throws IOException {
    Path file =
        config(
            HEAD
                + """
                coordinators: ['127.0.0.1:7443']
                dataRoots:
                  - path: /srv/entente/data
                    nations: [DE, FR, JP]
                  - {path: local-data}
                """);

    AgentConfig.Loaded loaded = AgentConfig.load(file);

    assertThat(loaded.dataRoots())
        .containsExactly(
            new DataRoot(Path.of("/srv/entente/data"), Set.of("DE", "FR", "JP")),
            new DataRoot(conf.resolve("local-data").toAbsolutePath(), Set.of("DE")));
  }

  @Test
  void load_noDataRoots_readsNoHostFiles() throws IOException {
    Path file = config(HEAD + "coordinators: ['127.0.0.1:7443']\n");
    assertThat(AgentConfig.load(file).dataRoots()).isEmpty();
  }

  @Test
  void agent_dataRootWithABadNation_namesTheField() throws IOException {
    String line =
        invalid(
            HEAD
                + "coordinators: ['127.0.0.1:7443']\n"
                + "dataRoots: [{path: /srv/data, nations: [DE, fr]}]\n");
    assertThat(line)
        .contains("agent config")
        .contains("field 'dataRoots[0].nations[1]'")
        .contains("invalid nation 'fr'");
  }

  @Test
  void agent_dataRootWithNoNations_saysToOmitTheList() throws IOException {
    String line =
        invalid(
            HEAD
                + "coordinators: ['127.0.0.1:7443']\n"
                + "dataRoots: [{path: /srv/data, nations: []}]\n");
    assertThat(line).contains("field 'dataRoots[0].nations'").contains("omit it");
  }

  @Test
  void agent_dataRootWithoutAPath_namesTheRequiredField() throws IOException {
    String line =
        invalid(HEAD + "coordinators: ['127.0.0.1:7443']\n" + "dataRoots: [{nations: [DE]}]\n");
    assertThat(line).contains("dataRoots[0].path").contains("required");
  }

  @Test
  void agent_operatorCertificate_isRefusedAsNotANode() throws IOException {
    PkiFiles.writeIdentity(pki, new Identity("DE", Role.OPERATOR, "ops"), conf.resolve("ops"));
    String line =
        invalid(
            """
            identity: {cert: ops/cert.pem, key: ops/key.pem}
            trust: [trust/de.pem]
            coordinators: ['127.0.0.1:7443']
            """);
    assertThat(line)
        .contains("agent config")
        .contains("node certificate")
        .contains("DE/operator/ops");
  }

  @Test
  void agent_badCoordinatorAddress_namesListIndex() throws IOException {
    String line = invalid(HEAD + "coordinators: ['127.0.0.1:7443', de.example.org]\n");
    assertThat(line)
        .contains("field 'coordinators[1]'")
        .contains("'de.example.org' must look like host:port");
  }

  @Test
  void agent_noCoordinators_isInvalid() throws IOException {
    String line = invalid(HEAD + "coordinators: []\n");
    assertThat(line).contains("at least one coordinator");
  }

  @Test
  void agent_missingCoordinators_namesRequiredField() throws IOException {
    String line = invalid(HEAD);
    assertThat(line).contains("agent.yaml").contains("field 'coordinators'").contains("required");
  }

  @Test
  void agent_backoffInitialAboveMax_isInvalid() throws IOException {
    String line =
        invalid(
            HEAD
                + "coordinators: ['127.0.0.1:7443']\n"
                + "reconnect: {initialBackoff: 10s, maxBackoff: 1s}\n");
    assertThat(line).contains("agent config").contains("backoff");
  }

  @Test
  void agent_badBackoffDuration_namesFieldPathAndLine() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                coordinators: ['127.0.0.1:7443']
                reconnect:
                  initialBackoff: 0.5s
                """);
    assertThat(line)
        .contains("line 9")
        .contains("field 'reconnect.initialBackoff'")
        .contains("'0.5s' is not a duration");
  }

  @Test
  void agent_unknownField_namesLineAndField() throws IOException {
    String line = invalid(HEAD + "coordinators: ['127.0.0.1:7443']\nlabel: {a: b}\n");
    assertThat(line).contains("line 8").contains("unknown field 'label'").contains("labels");
  }

  @Test
  void agent_labelsNotAMap_namesField() throws IOException {
    String line = invalid(HEAD + "coordinators: ['127.0.0.1:7443']\nlabels: [a, b]\n");
    assertThat(line).contains("line 8").contains("field 'labels'");
  }

  @Test
  void agent_nonexistentKeyFile_namesFieldAndFile() throws IOException {
    String line =
        invalid(
            HEAD.replace("node/key.pem", "node/gone.pem") + "coordinators: ['127.0.0.1:7443']\n");
    assertThat(line)
        .contains("identity.key")
        .contains(conf.resolve("node/gone.pem").toString())
        .contains("does not exist");
  }
}
