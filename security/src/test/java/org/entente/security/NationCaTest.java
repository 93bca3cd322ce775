package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NationCaTest {
  private static final Identity DE_NODE = new Identity("DE", Role.NODE, "gpu-01");

  @TempDir Path tmp;

  @Test
  void save_newDirectory_writesKeyOwnerOnlyAndCertificate() throws IOException {
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    Path dir = tmp.resolve("de-ca");

    ca.save(dir);

    Path key = dir.resolve(NationCa.KEY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(key)).contains("-----BEGIN PRIVATE KEY-----");
    assertThat(Pem.readCertificate(dir.resolve(NationCa.CERT_FILE))).isEqualTo(ca.certificate());
  }

  @Test
  void save_directoryAlreadyHoldsCa_refusesAndLeavesFilesUntouched() throws IOException {
    NationCa first = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    NationCa second = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    Path dir = tmp.resolve("de-ca");
    first.save(dir);
    byte[] keyBefore = Files.readAllBytes(dir.resolve(NationCa.KEY_FILE));
    byte[] certBefore = Files.readAllBytes(dir.resolve(NationCa.CERT_FILE));

    assertThatThrownBy(() -> second.save(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("already holds a nation CA");

    assertThat(Files.readAllBytes(dir.resolve(NationCa.KEY_FILE))).isEqualTo(keyBefore);
    assertThat(Files.readAllBytes(dir.resolve(NationCa.CERT_FILE))).isEqualTo(certBefore);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve(NationCa.KEY_FILE))))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(NationCa.KEY_FILE, NationCa.CERT_FILE);
    }
  }

  @Test
  void save_directoryHoldsOnlyAKey_refusesAndWritesNoCertificate() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("half-ca"));
    Files.writeString(dir.resolve(NationCa.KEY_FILE), "stale key", StandardCharsets.US_ASCII);
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));

    assertThatThrownBy(() -> ca.save(dir)).isInstanceOf(IOException.class);

    assertThat(Files.readString(dir.resolve(NationCa.KEY_FILE))).isEqualTo("stale key");
    assertThat(dir.resolve(NationCa.CERT_FILE)).doesNotExist();
  }

  @Test
  void load_savedCa_sameNationCertificateAndSigningKey() throws IOException {
    NationCa original = NationCa.create("FR", TestCerts.CLOCK, Duration.ofDays(365));
    Path dir = tmp.resolve("fr-ca");
    original.save(dir);

    NationCa loaded = NationCa.load(dir, TestCerts.CLOCK);

    assertThat(loaded.nation()).isEqualTo("FR");
    assertThat(loaded.certificate()).isEqualTo(original.certificate());
    Identity fr = new Identity("FR", Role.NODE, "gpu-07");
    X509Certificate cert =
        loaded.sign(
            CertificateRequests.create(fr, List.of(), KeyPairs.generateP256()),
            Duration.ofDays(30));
    // Verifies only if the loaded key is the original root key.
    assertThat(cert).satisfies(c -> c.verify(original.certificate().getPublicKey()));
    assertThat(IdentityCertificates.identityOf(cert)).isEqualTo(fr);
  }

  @Test
  void load_emptyDirectory_throwsIOException() {
    assertThatThrownBy(() -> NationCa.load(tmp, TestCerts.CLOCK)).isInstanceOf(IOException.class);
  }

  @Test
  void create_invalidNation_throwsIllegalArgument() {
    assertThatThrownBy(() -> NationCa.create("de", TestCerts.CLOCK, Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid nation");
  }

  @Test
  void create_fixedClock_rootIsCaWithWindowFromClock() {
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(10));

    X509Certificate root = ca.certificate();
    assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(IdentityCertificates.nationOfRoot(root)).isEqualTo("DE");
    assertThat(root.getNotBefore().toInstant())
        .isEqualTo(TestCerts.NOW.minus(Duration.ofMinutes(5)));
    assertThat(root.getNotAfter().toInstant()).isEqualTo(TestCerts.NOW.plus(Duration.ofDays(10)));
  }

  @Test
  void sign_ownNationCsr_certificateCarriesRequestedIdentity() throws Exception {
    LocalPki pki = LocalPki.create(TestCerts.CLOCK, "DE");
    NationCa ca = pki.ca("DE");
    KeyPair keys = KeyPairs.generateP256();
    PKCS10CertificationRequest csr = CertificateRequests.create(DE_NODE, List.of(), keys);

    X509Certificate cert = ca.sign(csr, Duration.ofDays(30));

    assertThat(IdentityCertificates.identityOf(cert)).isEqualTo(DE_NODE);
    assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(cert.getNotBefore().toInstant())
        .isEqualTo(TestCerts.NOW.minus(Duration.ofMinutes(5)));
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(TestCerts.NOW.plus(Duration.ofDays(30)));
    cert.verify(ca.certificate().getPublicKey());
    assertThat(
            PeerVerifier.verify(
                new X509Certificate[] {cert},
                Usage.CLIENT_AUTH,
                TestCerts.NOW,
                pki.trust().snapshot()))
        .isEqualTo(DE_NODE);
  }

  @Test
  void sign_coordinatorCsrWithHosts_serverAndClientUsageAndHostSans() throws Exception {
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    Identity coord = new Identity("DE", Role.COORDINATOR, "coord-a");

    X509Certificate cert =
        ca.sign(
            CertificateRequests.create(
                coord, List.of("coord-a.de.example", "10.0.0.7"), KeyPairs.generateP256()),
            Duration.ofDays(30));

    assertThat(IdentityCertificates.identityOf(cert)).isEqualTo(coord);
    assertThat(cert.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(cert.getSubjectAlternativeNames())
        .contains(List.of(2, "coord-a.de.example"), List.of(7, "10.0.0.7"));
  }

  @Test
  void sign_foreignNationCsr_refusedNamingBothNations() {
    NationCa de = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    PKCS10CertificationRequest frCsr =
        CertificateRequests.create(
            new Identity("FR", Role.NODE, "gpu-01"), List.of(), KeyPairs.generateP256());

    assertThatThrownBy(() -> de.sign(frCsr, Duration.ofDays(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DE CA")
        .hasMessageContaining("FR/node/gpu-01");
  }

  @Test
  void sign_csrWithFlippedSignatureByte_refused() throws IOException {
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    byte[] der =
        CertificateRequests.create(DE_NODE, List.of(), KeyPairs.generateP256()).getEncoded();
    // Control: the untouched request is signed.
    assertThat(ca.sign(new PKCS10CertificationRequest(der.clone()), Duration.ofDays(30)))
        .isNotNull();
    der[der.length - 1] ^= 0x01; // last byte of the ECDSA signature's s value
    PKCS10CertificationRequest tampered = new PKCS10CertificationRequest(der);

    assertThatThrownBy(() -> ca.sign(tampered, Duration.ofDays(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificate request signature does not verify");
  }

  @Test
  void sign_csrWhoseIdentityWasEditedAfterSigning_refused() throws IOException {
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    byte[] der =
        CertificateRequests.create(DE_NODE, List.of(), KeyPairs.generateP256()).getEncoded();
    assertThat(
            IdentityCertificates.identityOf(
                ca.sign(new PKCS10CertificationRequest(der.clone()), Duration.ofDays(30))))
        .isEqualTo(DE_NODE);
    byte[] original = "entente://DE/node/gpu-01".getBytes(StandardCharsets.US_ASCII);
    byte[] forged = "entente://DE/node/gpu-02".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(der, original);
    assertThat(at).as("SAN URI inside the CSR encoding").isNotNegative();
    System.arraycopy(forged, 0, der, at, forged.length);
    PKCS10CertificationRequest tampered = new PKCS10CertificationRequest(der);
    // The edit parses and names the other node: only the signature can tell.
    assertThat(Arrays.equals(tampered.getEncoded(), der)).isTrue();
    assertThat(new String(der, StandardCharsets.ISO_8859_1)).contains("entente://DE/node/gpu-02");

    assertThatThrownBy(() -> ca.sign(tampered, Duration.ofDays(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificate request signature does not verify");
  }

  @Test
  void revocationList_serials_signedListVerifiesWithNumberSerialsAndClockTime() {
    NationCa ca = NationCa.create("DE", TestCerts.CLOCK, Duration.ofDays(365));
    List<BigInteger> serials = List.of(BigInteger.valueOf(17), BigInteger.valueOf(4242));

    X509CRL crl = ca.revocationList(5, serials);
    RevocationList list = RevocationList.verify(Pem.encode(crl), ca.certificate());

    assertThat(list.nation()).isEqualTo("DE");
    assertThat(list.number()).isEqualTo(5);
    assertThat(list.serials()).containsExactlyInAnyOrderElementsOf(serials);
    assertThat(list.issuedAt()).isEqualTo(TestCerts.NOW);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
