package org.entente.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

class BatchVerifierTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static KeyPair key() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static byte[] body(int i) {
    return ("receipt " + i).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code count} receipts signed by {@code keys} in turn, with the recovery ids a leader logs. */
  private static List<BatchVerifier.Item> signed(List<KeyPair> keys, int count) {
    List<BatchVerifier.Item> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      KeyPair k = keys.get(i % keys.size());
      byte[] sig = Signatures.sign(k.getPrivate(), Signatures.RECEIPT, body(i));
      Signatures.Verdict v =
          Signatures.verifyRecovering(k.getPublic(), Signatures.RECEIPT, body(i), sig);
      assertThat(v.valid()).isTrue();
      assertThat(v.nonce()).hasSize(65);
      out.add(new BatchVerifier.Item(k.getPublic(), Signatures.RECEIPT, body(i), sig, v.nonce()));
    }
    return out;
  }

  private static List<KeyPair> keys(int n) throws Exception {
    List<KeyPair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(key());
    }
    return out;
  }

  @Test
  void validBatch_holds_andOneBadSignatureIsFoundAmongMany() throws Exception {
    List<BatchVerifier.Item> items = signed(keys(5), 200);
    boolean[] ok = BatchVerifier.verify(items);
    for (boolean b : ok) {
      assertThat(b).isTrue();
    }
    List<BatchVerifier.Item> tampered = new ArrayList<>(items);
    BatchVerifier.Item was = items.get(137);
    byte[] edited = was.body().clone();
    edited[0] ^= 1;
    tampered.set(
        137, new BatchVerifier.Item(was.key(), was.domain(), edited, was.signature(), was.nonce()));
    boolean[] verdicts = BatchVerifier.verify(tampered);
    for (int i = 0; i < verdicts.length; i++) {
      assertThat(verdicts[i]).as("item %d", i).isEqualTo(i != 137);
    }
  }

  @Test
  void wrongOrUnknownNoncePoints_costTimeNeverAVerdict() throws Exception {
    List<BatchVerifier.Item> items = signed(keys(3), 30);
    List<BatchVerifier.Item> lying = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      BatchVerifier.Item it = items.get(i);
      byte[] wrong = it.nonce().clone();
      if (i % 3 == 0) {
        wrong = items.get((i + 1) % items.size()).nonce(); // another signature's point
      } else if (i % 3 == 1) {
        wrong[64] ^= 1; // off the curve
      } else {
        wrong = new byte[0];
      }
      lying.add(new BatchVerifier.Item(it.key(), it.domain(), it.body(), it.signature(), wrong));
    }
    for (boolean b : BatchVerifier.verify(lying)) {
      assertThat(b).isTrue();
    }
    // A signature under another key fails whatever its recovery id says.
    BatchVerifier.Item first = items.get(0);
    BatchVerifier.Item otherKey =
        new BatchVerifier.Item(
            items.get(1).key(), first.domain(), first.body(), first.signature(), first.nonce());
    assertThat(BatchVerifier.verify(List.of(otherKey, items.get(2)))).containsExactly(false, true);
  }

  @Test
  void nodeThatKnowsItsKey_cannotMakeTwoInvalidSignaturesCancelOut() throws Exception {
    KeyPair k = key();
    BigInteger d = ((ECPrivateKey) k.getPrivate()).getS();
    BigInteger n = Signatures.P256_DOMAIN.getN();
    ECPoint g = Signatures.P256_DOMAIN.getG();
    // First invalid signature: any nonce k1 with a wrong s1. Its error is delta * G.
    BigInteger e1 = new BigInteger(1, Signatures.digest(Signatures.RECEIPT, body(1)));
    BigInteger k1 = new BigInteger(255, RANDOM).add(BigInteger.ONE);
    ECPoint r1Point = g.multiply(k1).normalize();
    BigInteger r1 = r1Point.getAffineXCoord().toBigInteger().mod(n);
    BigInteger s1 = new BigInteger(255, RANDOM).add(BigInteger.ONE);
    BigInteger delta = e1.add(r1.multiply(d)).multiply(s1.modInverse(n)).subtract(k1).mod(n);
    // Second: its s2 chosen so its error is exactly -delta * G.
    BigInteger e2 = new BigInteger(1, Signatures.digest(Signatures.RECEIPT, body(2)));
    BigInteger k2 = new BigInteger(255, RANDOM).add(BigInteger.ONE);
    ECPoint r2Point = g.multiply(k2).normalize();
    BigInteger r2 = r2Point.getAffineXCoord().toBigInteger().mod(n);
    BigInteger s2 = e2.add(r2.multiply(d)).multiply(k2.subtract(delta).mod(n).modInverse(n)).mod(n);
    List<BatchVerifier.Item> forged =
        List.of(item(k, body(1), r1, s1, r1Point, n), item(k, body(2), r2, s2, r2Point, n));
    for (BatchVerifier.Item it : forged) {
      assertThat(Signatures.verify(it.key(), it.domain(), it.body(), it.signature())).isFalse();
    }
    assertThat(BatchVerifier.verify(forged)).containsExactly(false, false);
    // The random weights are what stops it: with equal weights the plain sum would accept both.
    Random constant =
        new Random() {
          @Override
          protected int next(int bits) {
            return 1;
          }
        };
    assertThat(BatchVerifier.verify(forged, constant)).containsExactly(true, true);
  }

  private static BatchVerifier.Item item(
      KeyPair k, byte[] body, BigInteger r, BigInteger s, ECPoint nonce, BigInteger n)
      throws Exception {
    byte[] der = StandardDSAEncoding.INSTANCE.encode(n, r, s);
    return new BatchVerifier.Item(
        k.getPublic(), Signatures.RECEIPT, body, der, nonce.getEncoded(false));
  }

  @Test
  void verifyRecovering_agreesWithVerify() throws Exception {
    KeyPair k = key();
    byte[] sig = Signatures.sign(k.getPrivate(), Signatures.SEAL, body(9));
    assertThat(Signatures.verifyRecovering(k.getPublic(), Signatures.SEAL, body(9), sig).valid())
        .isTrue();
    assertThat(Signatures.verifyRecovering(k.getPublic(), Signatures.RECEIPT, body(9), sig).valid())
        .isFalse();
    Signatures.Verdict other =
        Signatures.verifyRecovering(key().getPublic(), Signatures.SEAL, body(9), sig);
    assertThat(other.valid()).isFalse();
    assertThat(other.nonce()).isEmpty();
  }
}
