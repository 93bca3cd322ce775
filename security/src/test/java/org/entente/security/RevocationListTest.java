package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RevocationListTest {
  private static final BigInteger A = new BigInteger("1234567890abcdef", 16);
  private static final BigInteger B = BigInteger.valueOf(99);

  private LocalPki pki;
  private NationCa de;
  private NationCa fr;

  @BeforeEach
  void setUp() {
    pki = LocalPki.create(TestCerts.CLOCK, "DE", "FR");
    de = pki.ca("DE");
    fr = pki.ca("FR");
  }

  private static RevocationList list(NationCa ca, long number, BigInteger... serials) {
    return RevocationList.verify(
        Pem.encode(ca.revocationList(number, List.of(serials))), ca.certificate());
  }

  @Test
  void verify_listSignedByItsRoot_readsNationNumberAndSerials() {
    RevocationList list = list(de, 7, A, B);

    assertThat(list.nation()).isEqualTo("DE");
    assertThat(list.number()).isEqualTo(7);
    assertThat(list.serials()).containsExactlyInAnyOrder(A, B);
    assertThat(list.revokes(A)).isTrue();
    assertThat(list.revokes(BigInteger.ONE)).isFalse();
    assertThat(list.issuedAt()).isEqualTo(TestCerts.NOW);
  }

  @Test
  void verify_emptyList_noSerials() {
    RevocationList list = list(fr, 1);

    assertThat(list.nation()).isEqualTo("FR");
    assertThat(list.number()).isEqualTo(1);
    assertThat(list.serials()).isEmpty();
  }

  @Test
  void verify_listOfAnotherNationsRoot_rejectedNamingExpectedRoot() {
    String frPem = Pem.encode(fr.revocationList(3, List.of(A)));

    assertThatThrownBy(() -> RevocationList.verify(frPem, de.certificate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Entente root CA FR")
        .hasMessageContaining("not the DE root");
  }

  @Test
  void verify_listOfImpostorWithSameRootName_rejectedOnSignature() {
    NationCa impostor = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    String pem = Pem.encode(impostor.revocationList(3, List.of(A)));

    assertThatThrownBy(() -> RevocationList.verify(pem, de.certificate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("signature does not verify against the DE root");
  }

  @Test
  void verify_notPem_rejected() {
    assertThatThrownBy(() -> RevocationList.verify("hello", de.certificate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no revocation list found");
  }

  @Test
  void verify_certificateInsteadOfList_rejected() {
    String certPem = Pem.encode(de.certificate());

    assertThatThrownBy(() -> RevocationList.verify(certPem, de.certificate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no revocation list found");
  }

  @Test
  void updateRevocations_newerNumber_installedAndRevokes() {
    FederationTrust trust = pki.trust();

    assertThat(trust.updateRevocations(list(de, 1, A))).isTrue();
    assertThat(trust.updateRevocations(list(de, 2, B))).isTrue();

    assertThat(trust.snapshot().revocations().get("DE").number()).isEqualTo(2);
    assertThat(trust.snapshot().isRevoked("DE", B)).isTrue();
    assertThat(trust.snapshot().isRevoked("DE", A)).isFalse();
  }

  @Test
  void updateRevocations_olderNumber_refusedAndNewerKept() {
    FederationTrust trust = pki.trust();
    RevocationList old = list(de, 1); // revokes nothing
    RevocationList current = list(de, 2, A);
    trust.updateRevocations(old);
    trust.updateRevocations(current);

    assertThat(trust.updateRevocations(old)).isFalse();

    assertThat(trust.snapshot().revocations().get("DE")).isEqualTo(current);
    assertThat(trust.snapshot().isRevoked("DE", A)).isTrue();
  }

  @Test
  void updateRevocations_equalNumber_refusedAndFirstKept() {
    FederationTrust trust = pki.trust();
    RevocationList first = list(de, 5, A);
    trust.updateRevocations(first);

    assertThat(trust.updateRevocations(list(de, 5, B))).isFalse();

    assertThat(trust.snapshot().revocations().get("DE")).isEqualTo(first);
    assertThat(trust.snapshot().isRevoked("DE", A)).isTrue();
    assertThat(trust.snapshot().isRevoked("DE", B)).isFalse();
  }

  @Test
  void updateRevocations_listsOfTwoNations_keptSeparately() {
    FederationTrust trust = pki.trust();
    trust.updateRevocations(list(de, 9, A));

    assertThat(trust.updateRevocations(list(fr, 1, B))).isTrue();

    assertThat(trust.snapshot().revocations().keySet()).containsExactlyInAnyOrder("DE", "FR");
    assertThat(trust.snapshot().isRevoked("DE", A)).isTrue();
    assertThat(trust.snapshot().isRevoked("FR", A)).isFalse();
    assertThat(trust.snapshot().isRevoked("FR", B)).isTrue();
  }

  @Test
  void updateRevocations_installed_listenersSeeNewSnapshotOnlyOnChange() {
    FederationTrust trust = pki.trust();
    List<FederationTrust.Snapshot> seen = new ArrayList<>();
    trust.onChange(seen::add);

    trust.updateRevocations(list(de, 2, A));
    trust.updateRevocations(list(de, 1, B));

    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).isRevoked("DE", A)).isTrue();
  }

  @Test
  void replaceBundle_nationDropped_itsRevocationsDroppedOthersKept() {
    FederationTrust trust = pki.trust();
    trust.updateRevocations(list(de, 1, A));
    trust.updateRevocations(list(fr, 1, B));

    trust.replaceBundle(TrustBundle.of(List.of(fr.certificate())));

    assertThat(trust.snapshot().bundle().nations()).isEqualTo(Set.of("FR"));
    assertThat(trust.snapshot().revocations().keySet()).containsExactly("FR");
  }

  @Test
  void revocationList_laterClock_issuedAtFollowsClock() {
    Clock later = Clock.offset(TestCerts.CLOCK, Duration.ofHours(3));
    NationCa ca = NationCa.create("DE", later, Duration.ofDays(365));

    RevocationList list =
        RevocationList.verify(Pem.encode(ca.revocationList(1, List.of())), ca.certificate());

    assertThat(list.issuedAt()).isEqualTo(TestCerts.NOW.plus(Duration.ofHours(3)));
  }
}
