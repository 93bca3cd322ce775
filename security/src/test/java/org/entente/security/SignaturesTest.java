package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.Test;

class SignaturesTest {
  private static final byte[] BODY = "a receipt body".getBytes(StandardCharsets.UTF_8);

  private static KeyPair p256() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  @Test
  void signature_verifies_onlyForItsKey_domainAndBytes() throws Exception {
    KeyPair k = p256();
    KeyPair other = p256();
    byte[] sig = Signatures.sign(k.getPrivate(), Signatures.RECEIPT, BODY);
    assertThat(Signatures.verify(k.getPublic(), Signatures.RECEIPT, BODY, sig)).isTrue();
    assertThat(Signatures.verify(other.getPublic(), Signatures.RECEIPT, BODY, sig)).isFalse();
    // A receipt signature is no seal, checkpoint or cosignature.
    for (String d : new String[] {Signatures.SEAL, Signatures.CHECKPOINT, Signatures.COSIGN}) {
      assertThat(Signatures.verify(k.getPublic(), d, BODY, sig)).isFalse();
    }
    byte[] edited = BODY.clone();
    edited[0] ^= 1;
    assertThat(Signatures.verify(k.getPublic(), Signatures.RECEIPT, edited, sig)).isFalse();
    byte[] flipped = sig.clone();
    flipped[flipped.length - 1] ^= 1;
    assertThat(Signatures.verify(k.getPublic(), Signatures.RECEIPT, BODY, flipped)).isFalse();
  }

  @Test
  void signatures_interoperateWithTheJdksSha256WithEcdsa_bothWays() throws Exception {
    KeyPair k = p256();
    byte[] message = (Signatures.SEAL + "x").getBytes(StandardCharsets.US_ASCII);
    Signature jdk = Signature.getInstance("SHA256withECDSA");
    jdk.initSign(k.getPrivate());
    jdk.update(message);
    byte[] byJdk = jdk.sign();
    assertThat(Signatures.verify(k.getPublic(), Signatures.SEAL, "x".getBytes(), byJdk)).isTrue();

    byte[] ours = Signatures.sign(k.getPrivate(), Signatures.SEAL, "x".getBytes());
    jdk.initVerify(k.getPublic());
    jdk.update(message);
    assertThat(jdk.verify(ours)).isTrue();
  }

  @Test
  void malformedOrNonCanonicalSignatures_areFalse_neverAnException() throws Exception {
    KeyPair k = p256();
    byte[] sig = Signatures.sign(k.getPrivate(), Signatures.RECEIPT, BODY);
    ASN1Sequence seq = ASN1Sequence.getInstance(sig);
    // Encodings of a valid (r, s) that are not its canonical DER, and ones that are no signature:
    // trailing garbage, truncation, a third integer, r = 0, empty, an empty sequence.
    byte[] trailing = Arrays.copyOf(sig, sig.length + 1);
    byte[] truncated = Arrays.copyOf(sig, sig.length - 3);
    ASN1EncodableVector three = new ASN1EncodableVector();
    three.add(seq.getObjectAt(0));
    three.add(seq.getObjectAt(1));
    three.add(new ASN1Integer(1));
    byte[] extra = new DERSequence(three).getEncoded();
    ASN1EncodableVector zero = new ASN1EncodableVector();
    zero.add(new ASN1Integer(0));
    zero.add(seq.getObjectAt(1));
    byte[] zeroR = new DERSequence(zero).getEncoded();
    for (byte[] bad : new byte[][] {trailing, truncated, extra, zeroR, new byte[0], {0x30, 0}}) {
      assertThat(Signatures.verify(k.getPublic(), Signatures.RECEIPT, BODY, bad)).isFalse();
    }
    assertThat(Signatures.verify(null, Signatures.RECEIPT, BODY, sig)).isFalse();
    assertThat(Signatures.verify(k.getPublic(), Signatures.RECEIPT, null, sig)).isFalse();
  }

  @Test
  void keysOfOtherCurves_takeTheGeneralPath() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp384r1"));
    KeyPair k = g.generateKeyPair();
    byte[] sig = Signatures.sign(k.getPrivate(), Signatures.RECEIPT, BODY);
    assertThat(Signatures.verify(k.getPublic(), Signatures.RECEIPT, BODY, sig)).isTrue();
    assertThat(Signatures.verify(p256().getPublic(), Signatures.RECEIPT, BODY, sig)).isFalse();
  }
}
