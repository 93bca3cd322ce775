package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.util.List;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

class CertificateRequestsTest {
  @Test
  void verify_freshRequest_returnsIdentityHostsAndKey() throws Exception {
    Identity coord = new Identity("DE", Role.COORDINATOR, "coord-a");
    KeyPair keys = KeyPairs.generateP256();

    CertificateRequests.Requested req =
        CertificateRequests.verify(
            CertificateRequests.create(coord, List.of("coord-a.de.example", "10.1.2.3"), keys));

    assertThat(req.identity()).isEqualTo(coord);
    assertThat(req.hosts()).containsExactly("coord-a.de.example", "10.1.2.3");
    assertThat(req.key().getEncoded()).isEqualTo(keys.getPublic().getEncoded());
  }

  @Test
  void verify_requestSignedWithAnotherKey_rejected() throws Exception {
    Identity node = new Identity("DE", Role.NODE, "gpu-01");
    KeyPair victim = KeyPairs.generateP256();
    KeyPair attacker = KeyPairs.generateP256();
    byte[] victimCsr = CertificateRequests.create(node, List.of(), victim).getEncoded();
    byte[] attackerCsr = CertificateRequests.create(node, List.of(), attacker).getEncoded();
    // Splice: the victim's request body (and public key) with the attacker's signature.
    PKCS10CertificationRequest victimParsed = new PKCS10CertificationRequest(victimCsr);
    PKCS10CertificationRequest attackerParsed = new PKCS10CertificationRequest(attackerCsr);
    var spliced =
        new org.bouncycastle.asn1.pkcs.CertificationRequest(
            victimParsed.toASN1Structure().getCertificationRequestInfo(),
            attackerParsed.getSignatureAlgorithm(),
            attackerParsed.toASN1Structure().getSignature());

    assertThatThrownBy(() -> CertificateRequests.verify(new PKCS10CertificationRequest(spliced)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificate request signature does not verify");
  }
}
