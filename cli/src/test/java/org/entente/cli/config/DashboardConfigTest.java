package org.entente.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.PkiFiles;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.coordinator.dashboard.DashboardSettings;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dashboard:} block of {@code coordinator.yaml}. */
class DashboardConfigTest {
  private static final String HEAD =
      """
      identity:
        cert: certs/cert.pem
        key: certs/key.pem
      trust: [trust/de.pem]
      listen: 127.0.0.1:0
      zookeeper: {connect: 'localhost:2181'}
      """;

  @TempDir Path dir;

  @BeforeEach
  void writePki() throws IOException {
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE");
    PkiFiles.writeIdentity(
        pki,
        new Identity("DE", Role.COORDINATOR, "coordinator"),
        dir.resolve("certs"),
        "127.0.0.1");
    PkiFiles.writeRoots(pki, dir.resolve("trust"), "DE");
  }

  private Path config(String yaml) throws IOException {
    return Files.writeString(dir.resolve("coordinator.yaml"), HEAD + yaml);
  }

  @Test
  void load_withoutDashboardBlock_leavesItOff() throws IOException {
    assertThat(CoordinatorConfig.load(config("")).dashboard()).isNull();
  }

  @Test
  void load_loopbackListen_servesPlainHttp() throws IOException {
    CoordinatorSettings s = CoordinatorConfig.load(config("dashboard: {listen: 127.0.0.1:8080}\n"));

    assertThat(s.dashboard()).isEqualTo(new DashboardSettings("127.0.0.1", 8080, false));
  }

  @Test
  void load_portOnly_bindsLoopbackAndMayPickAPort() throws IOException {
    CoordinatorSettings s = CoordinatorConfig.load(config("dashboard: {listen: ':0'}\n"));

    assertThat(s.dashboard()).isEqualTo(new DashboardSettings("127.0.0.1", 0, false));
  }

  @Test
  void load_otherAddress_requiresMutualTlsByDefault() throws IOException {
    CoordinatorSettings s = CoordinatorConfig.load(config("dashboard: {listen: 0.0.0.0:8443}\n"));

    assertThat(s.dashboard()).isEqualTo(new DashboardSettings("0.0.0.0", 8443, true));
  }

  @Test
  void coordinator_otherAddressWithTlsOff_isRefusedBeforeStarting() throws IOException {
    Path file = config("dashboard: {listen: 0.0.0.0:8080, tls: false}\n");

    String line =
        Cli.run("coordinator", "--config", file.toString()).oneLineError(ExitCodes.INVALID);

    assertThat(line)
        .contains("dashboard.listen")
        .contains("0.0.0.0:8080 is not a loopback address")
        .contains("mutual TLS");
  }

  @Test
  void coordinator_unknownDashboardField_isRefusedNamingIt() throws IOException {
    Path file = config("dashboard: {listen: ':0', port: 80}\n");

    String line =
        Cli.run("coordinator", "--config", file.toString()).oneLineError(ExitCodes.INVALID);

    assertThat(line).contains("port");
  }
}
