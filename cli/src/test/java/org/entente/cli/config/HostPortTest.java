package org.entente.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
  @ParameterizedTest
  @CsvSource({
    "127.0.0.1:7443, 127.0.0.1, 7443",
    "de.example.org:443, de.example.org, 443",
    "0.0.0.0:0, 0.0.0.0, 0",
    "localhost:65535, localhost, 65535",
    "'[::1]:7443', '[::1]', 7443"
  })
  void parse_hostAndPort_splitsAtLastColon(String text, String host, int port) {
    HostPort hp = HostPort.parse("listen", text);
    assertThat(hp.host()).isEqualTo(host);
    assertThat(hp.port()).isEqualTo(port);
    assertThat(hp.toString()).isEqualTo(host + ":" + port);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"localhost", "7443", ":7443"})
  void parse_noHostPart_isInvalidAndNamesField(String text) {
    assertThatThrownBy(() -> HostPort.parse("listen", text))
        .isInstanceOfSatisfying(
            UserException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID))
        .hasMessage("field 'listen': '" + text + "' must look like host:port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"host:", "host:abc", "host:65536", "host:-1", "host:99999999999"})
  void parse_badPort_isInvalidAndNamesField(String text) {
    assertThatThrownBy(() -> HostPort.parse("coordinators[1]", text))
        .isInstanceOfSatisfying(
            UserException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID))
        .hasMessage("field 'coordinators[1]': '" + text + "' has no valid port (0-65535)");
  }

  @Test
  void parse_sameText_givesEqualValues() {
    assertThat(HostPort.parse("a", "h:1")).isEqualTo(new HostPort("h", 1));
  }
}
