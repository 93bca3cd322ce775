package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerVerifierTest {
  private static final Instant NOW = TestCerts.NOW;

  private LocalPki pki;
  private FederationTrust trust;
  private KeyMaterial deNode;

  @BeforeEach
  void setUp() {
    pki = LocalPki.create(TestCerts.CLOCK, "DE", "FR");
    trust = pki.trust();
    deNode = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
  }

  private Identity verify(Usage usage, X509Certificate... chain) throws PeerRejectedException {
    return PeerVerifier.verify(chain, usage, NOW, trust.snapshot());
  }

  @Test
  void verify_memberNodeForClientAuth_returnsIdentity() throws Exception {
    assertThat(verify(Usage.CLIENT_AUTH, deNode.certificate()))
        .isEqualTo(new Identity("DE", Role.NODE, "gpu-01"));
  }

  @Test
  void verify_leafFollowedByItsRoot_returnsIdentity() throws Exception {
    assertThat(verify(Usage.CLIENT_AUTH, deNode.certificate(), pki.ca("DE").certificate()))
        .isEqualTo(deNode.identity());
  }

  @Test
  void verify_coordinatorForServerAuth_returnsIdentity() throws Exception {
    KeyMaterial coord = pki.issue(new Identity("FR", Role.COORDINATOR, "coord-a"), "127.0.0.1");
    assertThat(verify(Usage.SERVER_AUTH, coord.certificate())).isEqualTo(coord.identity());
  }

  @Test
  void verify_emptyChain_rejected() {
    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("no certificate presented");
  }

  @Test
  void verify_nullChain_rejected() {
    assertThatThrownBy(() -> PeerVerifier.verify(null, Usage.CLIENT_AUTH, NOW, trust.snapshot()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("no certificate presented");
  }

  @Test
  void verify_leafOfNationOutsideBundle_rejectedAsUnknownRoot() {
    LocalPki outsider = LocalPki.create(TestCerts.CLOCK, "IT");
    KeyMaterial itNode = outsider.issue(new Identity("IT", Role.NODE, "gpu-01"));

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, itNode.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not issued by any member nation's root")
        .hasMessageContaining("Entente root CA IT");
  }

  @Test
  void verify_leafOfImpostorRootWithMemberName_rejectedAsUnknownRoot() {
    // Same subject name as the real DE root, different key: only the signature tells them apart.
    LocalPki impostor = LocalPki.create(TestCerts.CLOCK, "DE");
    KeyMaterial fake = impostor.issue(new Identity("DE", Role.NODE, "gpu-01"));
    assertThat(fake.certificate().getIssuerX500Principal())
        .isEqualTo(pki.ca("DE").certificate().getSubjectX500Principal());

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, fake.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not issued by any member nation's root");
  }

  @Test
  void verify_impostorRootAppendedToChain_stillRejected() {
    LocalPki impostor = LocalPki.create(TestCerts.CLOCK, "DE");
    KeyMaterial fake = impostor.issue(new Identity("DE", Role.NODE, "gpu-01"));

    assertThatThrownBy(
            () -> verify(Usage.CLIENT_AUTH, fake.certificate(), impostor.ca("DE").certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not issued by any member nation's root");
  }

  @Test
  void verify_expiredLeaf_rejectedWithExpiry() {
    Instant notAfter = NOW.minus(Duration.ofDays(1));
    TestCerts.Issued expired =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/old",
            NOW.minus(Duration.ofDays(30)),
            notAfter,
            EnumSet.of(Usage.CLIENT_AUTH),
            false);

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, expired.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("expired at " + notAfter);
  }

  @Test
  void verify_leafNotYetValid_rejectedWithStart() {
    Instant notBefore = NOW.plus(Duration.ofDays(1));
    TestCerts.Issued future =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/early",
            notBefore,
            NOW.plus(Duration.ofDays(30)),
            EnumSet.of(Usage.CLIENT_AUTH),
            false);

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, future.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not valid until " + notBefore);
  }

  @Test
  void verify_leafAtLastValidSecond_accepted() throws Exception {
    TestCerts.Issued edge =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/edge",
            NOW.minus(Duration.ofDays(1)),
            NOW,
            EnumSet.of(Usage.CLIENT_AUTH),
            false);

    assertThat(verify(Usage.CLIENT_AUTH, edge.certificate()))
        .isEqualTo(new Identity("DE", Role.NODE, "edge"));
  }

  @Test
  void verify_validLeafUnderExpiredRoot_rejectedNamingRoot() {
    // The root is valid for 30 days from its clock's start; the leaf is checked after that.
    NationCa shortRoot = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(30));
    FederationTrust shortTrust =
        new FederationTrust(TrustBundle.of(List.of(shortRoot.certificate())));
    Instant later = NOW.plus(Duration.ofDays(60));
    TestCerts.Issued leaf =
        TestCerts.issue(
            shortRoot,
            "entente://DE/node/gpu-01",
            NOW,
            NOW.plus(Duration.ofDays(365)),
            EnumSet.of(Usage.CLIENT_AUTH),
            false);

    assertThatThrownBy(
            () ->
                PeerVerifier.verify(
                    new X509Certificate[] {leaf.certificate()},
                    Usage.CLIENT_AUTH,
                    later,
                    shortTrust.snapshot()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("DE root expired at");
  }

  @Test
  void verify_nationRootAsLeaf_rejectedAsCaCertificate() {
    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, pki.ca("DE").certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("CA certificate cannot be used as a peer certificate");
  }

  @Test
  void verify_issuedCaCertificateWithIdentity_rejectedAsCaCertificate() {
    TestCerts.Issued subCa =
        TestCerts.issue(
            pki.ca("DE"),
            "entente://DE/node/gpu-01",
            EnumSet.of(Usage.CLIENT_AUTH, Usage.SERVER_AUTH),
            true);

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, subCa.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("CA certificate cannot be used");
  }

  @Test
  void verify_serverOnlyLeafForClientAuth_rejectedMissingClientUsage() {
    TestCerts.Issued serverOnly =
        TestCerts.issue(
            pki.ca("DE"), "entente://DE/coordinator/c1", EnumSet.of(Usage.SERVER_AUTH), false);

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, serverOnly.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not issued for client authentication");
  }

  @Test
  void verify_leafWithoutAnyExtendedUsage_rejectedForBothUsages() {
    TestCerts.Issued none =
        TestCerts.issue(pki.ca("DE"), "entente://DE/node/bare", EnumSet.noneOf(Usage.class), false);

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, none.certificate()))
        .hasMessageContaining("not issued for client authentication");
    assertThatThrownBy(() -> verify(Usage.SERVER_AUTH, none.certificate()))
        .hasMessageContaining("not issued for server authentication");
  }

  @Test
  void verify_nodeCertificateForServerAuth_rejectedMissingServerUsage() {
    assertThatThrownBy(() -> verify(Usage.SERVER_AUTH, deNode.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not issued for server authentication");
  }

  @Test
  void verify_deRootMintingFrenchIdentity_rejectedNamingBothNations() {
    TestCerts.Issued forged = TestCerts.clientLeaf(pki.ca("DE"), "entente://FR/node/x");

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, forged.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("claims FR/node/x")
        .hasMessageContaining("issued by the DE root");
  }

  @Test
  void verify_leafWithoutEntenteIdentity_rejected() {
    TestCerts.Issued anonymous = TestCerts.clientLeaf(pki.ca("DE"), "https://gpu-01.de.example");

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, anonymous.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("no valid Entente identity");
  }

  @Test
  void verify_leafWithMalformedIdentity_rejected() {
    TestCerts.Issued malformed = TestCerts.clientLeaf(pki.ca("DE"), "entente://DE/root/gpu-01");

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, malformed.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("no valid Entente identity")
        .hasMessageContaining("unknown role 'root'");
  }

  @Test
  void verify_revokedSerial_rejectedAsRevoked() throws Exception {
    BigInteger serial = deNode.certificate().getSerialNumber();
    NationCa de = pki.ca("DE");
    assertThat(
            trust.updateRevocations(
                RevocationList.verify(
                    Pem.encode(de.revocationList(1, List.of(serial))), de.certificate())))
        .isTrue();

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, deNode.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("DE/node/gpu-01")
        .hasMessageContaining(serial.toString(16))
        .hasMessageContaining("is revoked");
  }

  @Test
  void verify_serialRevokedOnlyByAnotherNation_accepted() throws Exception {
    // FR's list can only revoke FR certificates, even if it names a DE serial.
    NationCa fr = pki.ca("FR");
    trust.updateRevocations(
        RevocationList.verify(
            Pem.encode(fr.revocationList(1, List.of(deNode.certificate().getSerialNumber()))),
            fr.certificate()));

    assertThat(verify(Usage.CLIENT_AUTH, deNode.certificate())).isEqualTo(deNode.identity());
  }

  @Test
  void verify_otherSerialRevoked_accepted() throws Exception {
    KeyMaterial other = pki.issue(new Identity("DE", Role.NODE, "gpu-02"));
    NationCa de = pki.ca("DE");
    trust.updateRevocations(
        RevocationList.verify(
            Pem.encode(de.revocationList(1, List.of(other.certificate().getSerialNumber()))),
            de.certificate()));

    assertThat(verify(Usage.CLIENT_AUTH, deNode.certificate())).isEqualTo(deNode.identity());
    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, other.certificate()))
        .hasMessageContaining("is revoked");
  }

  @Test
  void verify_nationRemovedFromBundle_rejectedAsUnknownRoot() {
    trust.replaceBundle(TrustBundle.of(List.of(pki.ca("FR").certificate())));

    assertThatThrownBy(() -> verify(Usage.CLIENT_AUTH, deNode.certificate()))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("not issued by any member nation's root");
  }

  @Test
  void verify_rootLoadedFromDisk_sameDecision(@TempDir Path dir) throws Exception {
    pki.ca("DE").save(dir);
    NationCa loaded = NationCa.load(dir, TestCerts.CLOCK);
    TestCerts.Issued leaf = TestCerts.clientLeaf(loaded, "entente://DE/node/reloaded");

    assertThat(verify(Usage.CLIENT_AUTH, leaf.certificate()))
        .isEqualTo(new Identity("DE", Role.NODE, "reloaded"));
  }
}
