package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"DE", "FR", "USA", "GBR"})
  void requireNation_twoOrThreeUppercaseLetters_returnsIt(String nation) {
    assertThat(Names.requireNation(nation)).isEqualTo(nation);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"de", "D", "DEUX", "D/E", "De", "D1", " DE", "DE ", "ÄÖ"})
  void requireNation_badCode_throwsNamingTheRule(String nation) {
    assertThatThrownBy(() -> Names.requireNation(nation))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid nation")
        .hasMessageContaining("2 or 3 uppercase letters");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "7", "gpu-01", "a-b", "a--b", "0a0"})
  void requireName_dnsLabel_returnsIt(String name) {
    assertThat(Names.requireName(name)).isEqualTo(name);
  }

  @Test
  void requireName_sixtyThreeCharacters_accepted() {
    String name = "a" + "-".repeat(61) + "z";
    assertThat(name).hasSize(63);
    assertThat(Names.requireName(name)).isEqualTo(name);
  }

  @Test
  void requireName_sixtyFourCharacters_rejected() {
    String name = "a".repeat(64);
    assertThatThrownBy(() -> Names.requireName(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 63");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"Gpu", "-a", "a-", "a/b", "a.b", "a b", "a_b", "gpu-01\n", "-"})
  void requireName_badName_throwsNamingTheRule(String name) {
    assertThatThrownBy(() -> Names.requireName(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid name");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "entente://DE/node/gpu-01",
        "entente://FR/coordinator/c",
        "entente://USA/operator/ops-1",
        "entente://GBR/auditor/" + "x"
      })
  void parseUri_wellFormed_roundTripsThroughToUri(String uri) {
    Identity id = Identity.parseUri(uri);

    assertThat(id.toUri()).isEqualTo(uri);
    assertThat(Identity.parseUri(id.toUri())).isEqualTo(id);
  }

  @Test
  void parseUri_nodeUri_fieldsAndShortForm() {
    Identity id = Identity.parseUri("entente://DE/node/gpu-01");

    assertThat(id).isEqualTo(new Identity("DE", Role.NODE, "gpu-01"));
    assertThat(id.toString()).isEqualTo("DE/node/gpu-01");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "https://DE/node/gpu-01",
        "entente:/DE/node/gpu-01",
        "ENTENTE://DE/node/gpu-01",
        "entente://DE",
        "entente://DE/node",
        "entente://DE/node/",
        "entente://DE//gpu-01",
        "entente://DE/node/gpu-01/extra",
        "entente://DE/node/gpu-01/",
        "entente://de/node/gpu-01",
        "entente://DE/Node/gpu-01",
        "entente://DE/admin/gpu-01",
        "entente://DE/node/Gpu-01",
        "entente://DE/node/gpu.01",
        " entente://DE/node/gpu-01"
      })
  void parseUri_malformed_throwsIllegalArgument(String uri) {
    assertThatThrownBy(() -> Identity.parseUri(uri)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseUri_wrongScheme_messageNamesExpectedPrefix() {
    assertThatThrownBy(() -> Identity.parseUri("spiffe://DE/node/gpu-01"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entente://");
  }

  @Test
  void parseUri_unknownRole_messageListsRoles() {
    assertThatThrownBy(() -> Identity.parseUri("entente://DE/admin/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown role 'admin'")
        .hasMessageContaining("coordinator, node, operator, auditor");
  }

  @Test
  void newIdentity_nullRole_throwsNullPointer() {
    assertThatThrownBy(() -> new Identity("DE", null, "gpu-01"))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("role");
  }
}
