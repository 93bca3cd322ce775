package org.entente.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.PkiFiles;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.coordinator.grpc.ServerLimits;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatorConfigTest {
  private static final String HEAD =
      """
      identity:
        cert: certs/cert.pem
        key: certs/key.pem
      trust: [trust/de.pem, trust/fr.pem]
      """;

  @TempDir Path dir;
  private Path conf;
  private LocalPki pki;

  @BeforeEach
  void writePki() throws IOException {
    conf = dir.resolve("conf");
    pki = LocalPki.create(Clock.systemUTC(), "DE", "FR");
    PkiFiles.writeIdentity(
        pki,
        new Identity("DE", Role.COORDINATOR, "coordinator"),
        conf.resolve("certs"),
        "127.0.0.1");
    PkiFiles.writeRoots(pki, conf.resolve("trust"), "DE", "FR");
  }

  private Path config(String yaml) throws IOException {
    return Files.writeString(conf.resolve("coordinator.yaml"), yaml);
  }

  /**
   * Runs {@code entente coordinator --config} on {@code yaml}; it must fail INVALID in one line.
   */
  private String invalid(String yaml) throws IOException {
    Path file = config(yaml);
    String line =
        Cli.run("coordinator", "--config", file.toString()).oneLineError(ExitCodes.INVALID);
    assertThat(line).doesNotContain("Exception");
    return line;
  }

  @Test
  void load_minimalConfig_resolvesFilesAgainstConfigDirAndAppliesDefaults() throws IOException {
    Path file =
        config(
            HEAD
                + """
                listen: 0.0.0.0:7443
                zookeeper:
                  connect: zk1:2181,zk2:2181
                """);

    CoordinatorSettings s = CoordinatorConfig.load(file);

    assertThat(s.keys().identity()).isEqualTo(new Identity("DE", Role.COORDINATOR, "coordinator"));
    assertThat(s.trustBundle().nations()).containsExactlyInAnyOrder("DE", "FR");
    assertThat(s.listenHost()).isEqualTo("0.0.0.0");
    assertThat(s.listenPort()).isEqualTo(7443);
    assertThat(s.advertiseHost()).isEqualTo("0.0.0.0");
    assertThat(s.zkConnect()).isEqualTo("zk1:2181,zk2:2181");
    assertThat(s.zkChroot()).isEqualTo("/entente");
    assertThat(s.zkSessionTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.zkConnectTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.nodeLostTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.revocationPollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.metricsPort()).isEqualTo(-1);
    assertThat(s.limits()).isEqualTo(ServerLimits.defaults());
  }

  @Test
  void load_relativeConfigPath_resolvesFilesAgainstConfigDirNotWorkingDir() throws IOException {
    Path file = config(HEAD + "listen: 127.0.0.1:0\nzookeeper: {connect: 'localhost:2181'}\n");
    Path relative = Path.of("").toAbsolutePath().relativize(file);

    CoordinatorSettings s = CoordinatorConfig.load(relative);

    assertThat(s.keys().certificate())
        .isEqualTo(org.entente.security.Pem.readCertificate(conf.resolve("certs/cert.pem")));
  }

  @Test
  void load_everyField_isApplied() throws IOException {
    Path file =
        config(
            HEAD
                + """
                listen: 127.0.0.1:9443
                advertise: de.example.org
                zookeeper:
                  connect: zk:2181
                  chroot: /fed
                  sessionTimeout: 30s
                  connectTimeout: 2m
                membership:
                  heartbeatInterval: 500ms
                  nodeLostTimeout: 3s
                revocation:
                  pollInterval: 2s
                metrics:
                  port: 9100
                limits:
                  maxConnectionAge: 30m
                  maxInboundMessageBytes: 2097152
                """);

    CoordinatorSettings s = CoordinatorConfig.load(file);

    assertThat(s.listenHost()).isEqualTo("127.0.0.1");
    assertThat(s.listenPort()).isEqualTo(9443);
    assertThat(s.advertiseHost()).isEqualTo("de.example.org");
    assertThat(s.zkConnect()).isEqualTo("zk:2181");
    assertThat(s.zkChroot()).isEqualTo("/fed");
    assertThat(s.zkSessionTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.zkConnectTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.nodeLostTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.revocationPollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.metricsPort()).isEqualTo(9100);
    assertThat(s.limits().maxConnectionAge()).isEqualTo(Duration.ofMinutes(30));
    assertThat(s.limits().maxInboundMessageBytes()).isEqualTo(2 << 20);
    assertThat(s.limits().keepAliveTime()).isEqualTo(ServerLimits.defaults().keepAliveTime());
  }

  @Test
  void coordinator_unknownTopLevelField_namesLineAndField() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                zookeper:
                  connect: localhost:2181
                listen: 127.0.0.1:7443
                """);
    assertThat(line)
        .contains("coordinator.yaml")
        .contains("line 5")
        .contains("unknown field 'zookeper'")
        .contains("zookeeper");
  }

  @Test
  void coordinator_unknownNestedField_namesFieldPath() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                listen: 127.0.0.1:7443
                zookeeper:
                  connect: localhost:2181
                  chrot: /x
                """);
    assertThat(line)
        .contains("line 8")
        .contains("field 'zookeeper.chrot'")
        .contains("unknown field 'chrot'");
  }

  @Test
  void coordinator_wrongType_namesLineFieldAndValue() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                listen: 127.0.0.1:7443
                zookeeper: {connect: 'localhost:2181'}
                metrics: {port: abc}
                """);
    assertThat(line)
        .contains("line 7")
        .contains("field 'metrics.port'")
        .contains("'abc'")
        .contains("Integer");
  }

  @Test
  void coordinator_badDuration_namesFieldAndSuggestsForm() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                listen: 127.0.0.1:7443
                zookeeper:
                  connect: localhost:2181
                  sessionTimeout: 10 seconds
                """);
    assertThat(line)
        .contains("line 8")
        .contains("field 'zookeeper.sessionTimeout'")
        .contains("'10 seconds' is not a duration")
        .contains("10s");
  }

  @Test
  void coordinator_missingListen_namesRequiredField() throws IOException {
    String line = invalid(HEAD + "zookeeper: {connect: 'localhost:2181'}\n");
    assertThat(line).contains("coordinator.yaml").contains("field 'listen'").contains("required");
  }

  @Test
  void coordinator_missingNestedRequiredField_namesFieldPath() throws IOException {
    String line = invalid(HEAD + "listen: 127.0.0.1:1\nzookeeper: {chroot: /x}\n");
    assertThat(line).contains("field 'zookeeper.connect'").contains("required");
  }

  @Test
  void coordinator_listenWithoutPort_namesListen() throws IOException {
    String line = invalid(HEAD + "listen: localhost\nzookeeper: {connect: 'localhost:2181'}\n");
    assertThat(line).contains("field 'listen'").contains("'localhost' must look like host:port");
  }

  @Test
  void coordinator_listenPortOutOfRange_namesListen() throws IOException {
    String line = invalid(HEAD + "listen: 'host:70000'\nzookeeper: {connect: 'localhost:2181'}\n");
    assertThat(line).contains("field 'listen'").contains("no valid port");
  }

  @Test
  void coordinator_emptyFile_saysEmpty() throws IOException {
    String line = invalid("\n   \n");
    assertThat(line).contains("coordinator.yaml").contains("empty");
  }

  @Test
  void coordinator_tabIndentation_isNotValidYamlWithLine() throws IOException {
    String line = invalid("identity:\n\tcert: certs/cert.pem\n");
    assertThat(line)
        .contains("coordinator.yaml")
        .contains("line 2")
        .contains("not valid YAML")
        .contains("TAB");
  }

  @Test
  void coordinator_mappingInsidePlainValue_isNotValidYamlWithLine() throws IOException {
    String line =
        invalid(
            """
            identity:
              cert: certs/cert.pem
               key: certs/key.pem
            listen: 127.0.0.1:1
            """);
    assertThat(line).contains("line 3").contains("not valid YAML").contains("mapping values");
  }

  @Test
  void coordinator_fieldOutdentedOutOfItsBlock_isUnknownAtItsLine() throws IOException {
    String line =
        invalid(
            """
            identity:
              cert: certs/cert.pem
            key: certs/key.pem
            trust: [trust/de.pem]
            listen: 127.0.0.1:1
            zookeeper: {connect: 'localhost:2181'}
            """);
    assertThat(line).contains("line 3").contains("unknown field 'key'");
  }

  @Test
  void coordinator_zeroInboundMessageLimit_isInvalid() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                listen: 127.0.0.1:1
                zookeeper: {connect: 'localhost:2181'}
                limits: {maxInboundMessageBytes: 0}
                """);
    assertThat(line).contains("field 'limits.maxInboundMessageBytes'").contains("positive");
  }

  @Test
  void coordinator_notAMapping_isInvalid() throws IOException {
    String line = invalid("- just\n- a list\n");
    assertThat(line).contains("coordinator.yaml").contains("line 1");
  }

  @Test
  void coordinator_missingConfigFile_saysNoSuchFile() {
    Path missing = dir.resolve("nope.yaml");
    String line =
        Cli.run("coordinator", "--config", missing.toString()).oneLineError(ExitCodes.INVALID);
    assertThat(line).contains(missing.toString()).contains("no such file");
  }

  @Test
  void coordinator_nonexistentCertFile_namesFieldAndFile() throws IOException {
    String line =
        invalid(
            """
            identity:
              cert: certs/missing.pem
              key: certs/key.pem
            trust: [trust/de.pem]
            listen: 127.0.0.1:7443
            zookeeper: {connect: 'localhost:2181'}
            """);
    assertThat(line)
        .contains("identity.cert")
        .contains(conf.resolve("certs/missing.pem").toString())
        .contains("does not exist");
  }

  @Test
  void coordinator_nonexistentTrustFile_namesFieldAndFile() throws IOException {
    String line =
        invalid(
            """
            identity: {cert: certs/cert.pem, key: certs/key.pem}
            trust: [trust/de.pem, trust/xx.pem]
            listen: 127.0.0.1:7443
            zookeeper: {connect: 'localhost:2181'}
            """);
    assertThat(line)
        .contains("trust[1]")
        .contains(conf.resolve("trust/xx.pem").toString())
        .contains("does not exist");
  }

  @Test
  void coordinator_emptyTrustList_asksForARoot() throws IOException {
    String line =
        invalid(
            """
            identity: {cert: certs/cert.pem, key: certs/key.pem}
            trust: []
            listen: 127.0.0.1:7443
            zookeeper: {connect: 'localhost:2181'}
            """);
    assertThat(line).contains("field 'trust'").contains("at least one");
  }

  @Test
  void coordinator_keyIsNotPem_isInvalid() throws IOException {
    Files.writeString(conf.resolve("certs/garbage.pem"), "not a key\n");
    String line =
        invalid(
            HEAD.replace("certs/key.pem", "certs/garbage.pem")
                + "listen: 127.0.0.1:7443\nzookeeper: {connect: 'localhost:2181'}\n");
    assertThat(line).contains("garbage.pem").contains("no private key");
  }

  @Test
  void coordinator_nodeCertificate_isRefusedClearly() throws IOException {
    PkiFiles.writeIdentity(pki, new Identity("DE", Role.NODE, "gpu-01"), conf.resolve("node"));
    String line =
        invalid(
            """
            identity: {cert: node/cert.pem, key: node/key.pem}
            trust: [trust/de.pem]
            listen: 127.0.0.1:7443
            zookeeper: {connect: 'localhost:2181'}
            """);
    assertThat(line).contains("coordinator role").contains("DE/node/gpu-01");
  }

  @Test
  void coordinator_lostTimeoutBelowTwoHeartbeats_isInvalid() throws IOException {
    String line =
        invalid(
            HEAD
                + """
                listen: 127.0.0.1:7443
                zookeeper: {connect: 'localhost:2181'}
                membership: {heartbeatInterval: 2s, nodeLostTimeout: 3s}
                """);
    assertThat(line).contains("coordinator config").contains("at least twice the heartbeat");
  }

  @Test
  void load_artifacts_defaultNextToConfigOrAsConfigured() throws IOException {
    String base = HEAD + "listen: 127.0.0.1:0\nzookeeper: {connect: 'localhost:2181'}\n";

    CoordinatorSettings defaults = CoordinatorConfig.load(config(base));
    CoordinatorSettings set =
        CoordinatorConfig.load(
            config(base + "artifacts: {dir: /var/lib/entente/a, maxSize: 8Gi}\n"));

    assertThat(defaults.artifactDir()).isEqualTo(conf.toAbsolutePath().resolve("artifacts"));
    assertThat(defaults.maxArtifactBytes()).isEqualTo(2L << 30);
    assertThat(set.artifactDir()).isEqualTo(Path.of("/var/lib/entente/a"));
    assertThat(set.maxArtifactBytes()).isEqualTo(8L << 30);
  }

  @Test
  void coordinator_badArtifactLimit_isInvalidNamingTheField() throws IOException {
    String base = HEAD + "listen: 127.0.0.1:0\nzookeeper: {connect: 'localhost:2181'}\n";

    assertThat(invalid(base + "artifacts: {maxSize: lots}\n"))
        .contains("field 'artifacts.maxSize'");
    assertThat(invalid(base + "artifacts: {maxSize: 0}\n")).contains("artifacts.maxSize");
  }

  @Test
  void coordinator_badChroot_isInvalid() throws IOException {
    String line =
        invalid(HEAD + "listen: 127.0.0.1:1\nzookeeper: {connect: 'localhost:2181', chroot: x}\n");
    assertThat(line).contains("chroot");
  }

  @Test
  void coordinator_zooKeeperUnreachable_exitsUnavailableInOneLine() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path file =
        config(
            HEAD
                + "listen: 127.0.0.1:0\n"
                + "zookeeper: {connect: '127.0.0.1:"
                + closedPort
                + "', connectTimeout: 1s, sessionTimeout: 2s}\n");

    String line =
        Cli.run("coordinator", "--config", file.toString()).oneLineError(ExitCodes.UNAVAILABLE);

    assertThat(line).contains("cannot reach ZooKeeper").contains("127.0.0.1:" + closedPort);
  }

  @Test
  void governedSchedulingValues_areRefused_namingWhereTheyBelong() throws IOException {
    for (String block :
        List.of(
            "scheduling:\n  quotas:\n    DE:\n      nominal: {gpus: 8}\n",
            "scheduling:\n  halfLife: 1h\n",
            "scheduling:\n  verification: {trustAfter: 3}\n")) {
      String line =
          invalid(HEAD + "listen: 0.0.0.0:7443\nzookeeper:\n  connect: zk1:2181\n" + block);
      assertThat(line).contains("is governed").contains("entente gov");
    }
  }

  @Test
  void governanceGenesis_thatIsNoSignedGenesis_isRefusedNamingTheField() throws IOException {
    Files.writeString(conf.resolve("genesis.pb"), "not a genesis at all \u0000\u0001");
    String line =
        invalid(
            HEAD
                + "listen: 0.0.0.0:7443\nzookeeper:\n  connect: zk1:2181\n"
                + "governance: {genesis: missing.pb}\n");
    assertThat(line).contains("governance.genesis");
  }

  @Test
  void zookeeperTls_isOffByDefault_andOnWhenAsked() throws IOException {
    String base = HEAD + "listen: 0.0.0.0:7443\nzookeeper:\n  connect: zk1:2281\n";
    assertThat(CoordinatorConfig.load(config(base)).zkTls()).isFalse();
    assertThat(CoordinatorConfig.load(config(base + "  tls: true\n")).zkTls()).isTrue();
    assertThat(invalid(base + "  tls: sometimes\n")).contains("zookeeper.tls");
  }
}
