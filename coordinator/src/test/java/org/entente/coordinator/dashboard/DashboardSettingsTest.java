package org.entente.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DashboardSettingsTest {
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"})
  void of_loopbackWithoutTlsAsked_servesPlainHttp(String host) {
    DashboardSettings s = DashboardSettings.of(host, 0, null);

    assertThat(s.tls()).isFalse();
    assertThat(s.scheme()).isEqualTo("http");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "10.1.2.3", "::", "dash.de.example.org"})
  void of_otherAddressWithoutTlsAsked_requiresMutualTls(String host) {
    assertThat(DashboardSettings.of(host, 8443, null).tls()).isTrue();
    assertThat(DashboardSettings.of(host, 8443, null).scheme()).isEqualTo("https");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "192.168.1.5", "dash.de.example.org"})
  void of_otherAddressWithTlsOff_isRefusedNamingTheAddress(String host) {
    assertThatThrownBy(() -> DashboardSettings.of(host, 8080, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(host + ":8080 is not a loopback address")
        .hasMessageContaining("mutual TLS");
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 65536})
  void new_portOutOfRange_isRefused(int port) {
    assertThatThrownBy(() -> DashboardSettings.loopback(port))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 0 and 65535");
  }
}
