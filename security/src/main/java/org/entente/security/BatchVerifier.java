package org.entente.security;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Verifies many {@link Signatures} at once, for audits that check every signature of a log. For
 * P-256 signatures whose nonce point R is known (the leader records it when it verifies a receipt,
 * {@link Signatures#verifyRecovering}), a batch holds when the randomised sum
 *
 * <pre>(Σ zᵢ·eᵢ/sᵢ)·G + Σ_Q (Σ zᵢ·rᵢ/sᵢ)·Q − Σ zᵢ·Rᵢ = O</pre>
 *
 * is the point at infinity, with fresh random 128-bit weights zᵢ, which no set of invalid
 * signatures satisfies except with probability about 2⁻¹²⁸ (P-256 has cofactor 1, so every point
 * decoded on the curve is in the group). That costs a fraction of separate verifications, since the
 * point doublings are shared and each node key appears once. A batch that fails, and every
 * signature without a usable recovery id, is verified one by one, so a wrong recovery id costs time
 * and never a verdict. Stateless and thread-safe.
 */
public final class BatchVerifier {
  /** One signature to check; {@code nonce} is its point R (SEC1, 65 bytes), or empty if unknown. */
  public record Item(PublicKey key, String domain, byte[] body, byte[] signature, byte[] nonce) {}

  private static final int WEIGHT_BITS = 128;
  private static final SecureRandom SEEDS = new SecureRandom();

  private BatchVerifier() {}

  /** Whether each item's signature verifies, in order; weights from a fresh secure random. */
  public static boolean[] verify(List<Item> items) {
    return verify(items, new SecureRandom(SEEDS.generateSeed(32)));
  }

  /**
   * As {@link #verify(List)}, with the weights drawn from {@code random}: it must be unpredictable
   * to whoever made the signatures, or invalid ones could be made to cancel out.
   */
  public static boolean[] verify(List<Item> items, Random random) {
    boolean[] ok = new boolean[items.size()];
    List<Integer> batch = new ArrayList<>();
    List<Prepared> prepared = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Prepared p = prepare(items.get(i));
      if (p == null) {
        ok[i] = single(items.get(i));
      } else {
        batch.add(i);
        prepared.add(p);
      }
    }
    if (!prepared.isEmpty()) {
      if (holds(prepared, random)) {
        for (int i : batch) {
          ok[i] = true;
        }
      } else {
        for (int i : batch) {
          ok[i] = single(items.get(i));
        }
      }
    }
    return ok;
  }

  private static boolean single(Item it) {
    return Signatures.verify(it.key(), it.domain(), it.body(), it.signature());
  }

  /** A signature reduced to what the batch sum needs. */
  private record Prepared(
      ECPublicKeyParameters key,
      ByteBuffer keyId,
      BigInteger e,
      BigInteger r,
      BigInteger s,
      ECPoint point) {}

  /** The signature's parts, or null when it cannot join a batch (checked alone instead). */
  private static Prepared prepare(Item it) {
    if (it.nonce() == null || it.nonce().length == 0 || it.body() == null) {
      return null;
    }
    ECPublicKeyParameters key = it.key() == null ? null : Signatures.p256Public(it.key());
    if (key == null || it.signature() == null) {
      return null;
    }
    BigInteger n = Signatures.P256_DOMAIN.getN();
    BigInteger[] rs;
    try {
      rs = StandardDSAEncoding.INSTANCE.decode(n, it.signature());
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
    BigInteger r = rs[0];
    BigInteger s = rs[1];
    if (r.signum() <= 0 || r.compareTo(n) >= 0 || s.signum() <= 0 || s.compareTo(n) >= 0) {
      return null;
    }
    ECPoint point = Signatures.nonce(r, it.nonce());
    if (point == null) {
      return null;
    }
    BigInteger e = new BigInteger(1, Signatures.digest(it.domain(), it.body()));
    return new Prepared(key, ByteBuffer.wrap(it.key().getEncoded()), e, r, s, point);
  }

  private static boolean holds(List<Prepared> batch, Random random) {
    BigInteger n = Signatures.P256_DOMAIN.getN();
    BigInteger[] inverses = invertAll(batch, n);
    BigInteger onG = BigInteger.ZERO;
    Map<ByteBuffer, BigInteger> onKey = new LinkedHashMap<>();
    Map<ByteBuffer, ECPoint> keys = new LinkedHashMap<>();
    List<ECPoint> points = new ArrayList<>(batch.size() + 16);
    List<BigInteger> scalars = new ArrayList<>(batch.size() + 16);
    for (int i = 0; i < batch.size(); i++) {
      Prepared p = batch.get(i);
      BigInteger z;
      do {
        z = new BigInteger(WEIGHT_BITS, random);
      } while (z.signum() == 0);
      BigInteger zw = z.multiply(inverses[i]).mod(n);
      onG = onG.add(zw.multiply(p.e()));
      onKey.merge(p.keyId(), zw.multiply(p.r()), BigInteger::add);
      keys.putIfAbsent(p.keyId(), p.key().getQ());
      points.add(p.point().negate());
      scalars.add(z);
    }
    points.add(Signatures.P256_DOMAIN.getG());
    scalars.add(onG.mod(n));
    for (var k : onKey.entrySet()) {
      points.add(keys.get(k.getKey()));
      scalars.add(k.getValue().mod(n));
    }
    ECPoint sum =
        ECAlgorithms.sumOfMultiplies(
            points.toArray(new ECPoint[0]), scalars.toArray(new BigInteger[0]));
    return sum.isInfinity();
  }

  /** 1/sᵢ mod n for every item with one inversion (Montgomery's trick). */
  private static BigInteger[] invertAll(List<Prepared> batch, BigInteger n) {
    int k = batch.size();
    BigInteger[] prefix = new BigInteger[k];
    BigInteger acc = BigInteger.ONE;
    for (int i = 0; i < k; i++) {
      acc = acc.multiply(batch.get(i).s()).mod(n);
      prefix[i] = acc;
    }
    BigInteger inv = acc.modInverse(n);
    BigInteger[] out = new BigInteger[k];
    for (int i = k - 1; i > 0; i--) {
      out[i] = inv.multiply(prefix[i - 1]).mod(n);
      inv = inv.multiply(batch.get(i).s()).mod(n);
    }
    out[0] = inv;
    return out;
  }
}
