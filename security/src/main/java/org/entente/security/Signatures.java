package org.entente.security;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Domain-separated signatures over exact bytes (receipts, seals, checkpoints, cosignatures): the
 * signed message is {@code domain || body}, so a signature made for one purpose never verifies for
 * another. ECDSA P-256 with SHA-256 (the keys of our certificates), DER-encoded as JCA's
 * SHA256withECDSA writes it, so either side may use the other's implementation.
 *
 * <p>P-256 keys take Bouncy Castle's low-level path with each key translated once and kept (its
 * point keeps its precomputed multiples), which verifies about 2-3x faster than handing the JDK key
 * to Bouncy Castle's JCA provider each time, and 10x faster than the JDK 17 provider; an audit
 * verifies the same few hundred node keys again and again. Signing uses deterministic nonces (RFC
 * 6979), so it draws on no random source. Other keys go through the JCA. Stateless to callers and
 * thread-safe.
 */
public final class Signatures {
  /** What an agent signs: a usage receipt. */
  public static final String RECEIPT = "entente/receipt/v1\n";

  /** What the leader signs: a seal over entries it appended. */
  public static final String SEAL = "entente/seal/v1\n";

  /** What the leader signs: a checkpoint of the log. */
  public static final String CHECKPOINT = "entente/checkpoint/v1\n";

  /** What a nation's witness signs: a checkpoint it found consistent. */
  public static final String COSIGN = "entente/cosign/v1\n";

  /** What an operator signs: a governance proposal. */
  public static final String PROPOSAL = "entente/proposal/v1\n";

  /** What an operator signs: an approval of one proposal's exact bytes. */
  public static final String APPROVAL = "entente/approval/v1\n";

  /** What an operator of every founding nation signs: the genesis document. */
  public static final String GENESIS = "entente/genesis/v1\n";

  private static final String ALGORITHM = "SHA256withECDSA";
  private static final Provider BC = new BouncyCastleProvider();
  private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
  private static final ECDomainParameters DOMAIN =
      new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(), P256.getH());

  /** The P-256 domain, for {@link BatchVerifier}. */
  static final ECDomainParameters P256_DOMAIN = DOMAIN;

  /** Translated keys; bounded, since certificates come and go over a long-lived process. */
  private static final int MAX_KEYS = 8192;

  private static final Map<ByteBuffer, ECPublicKeyParameters> PUBLIC = new ConcurrentHashMap<>();
  private static final Map<PrivateKey, ECPrivateKeyParameters> PRIVATE = new ConcurrentHashMap<>();

  private Signatures() {}

  /** Signs {@code domain || body} with {@code key}. */
  public static byte[] sign(PrivateKey key, String domain, byte[] body) {
    ECPrivateKeyParameters p = p256(key);
    if (p != null) {
      ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
      signer.init(true, p);
      BigInteger[] rs = signer.generateSignature(digest(domain, body));
      try {
        return StandardDSAEncoding.INSTANCE.encode(DOMAIN.getN(), rs[0], rs[1]);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot encode a signature", e);
      }
    }
    try {
      Signature s = Signature.getInstance(ALGORITHM, BC);
      s.initSign(key);
      s.update(domain.getBytes(StandardCharsets.US_ASCII));
      s.update(body);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }

  /**
   * Whether {@code signature} is {@code key}'s over {@code domain || body}; false (never an
   * exception) for a malformed or non-canonical signature or a key of another kind.
   */
  public static boolean verify(PublicKey key, String domain, byte[] body, byte[] signature) {
    if (key == null || body == null || signature == null || signature.length == 0) {
      return false;
    }
    try {
      ECPublicKeyParameters p = p256(key);
      if (p != null) {
        // Strict DER: the encoding must be the canonical one (no padding, no trailing bytes).
        BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(DOMAIN.getN(), signature);
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, p);
        return verifier.verifySignature(digest(domain, body), rs[0], rs[1]);
      }
      Signature s = Signature.getInstance(ALGORITHM, BC);
      s.initVerify(key);
      s.update(domain.getBytes(StandardCharsets.US_ASCII));
      s.update(body);
      return s.verify(signature);
    } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The outcome of {@link #verifyRecovering}: whether the signature holds and, for a P-256 one that
   * does, its nonce point R (uncompressed SEC1, 65 bytes; empty when unknown).
   */
  public record Verdict(boolean valid, byte[] nonce) {
    static final Verdict INVALID = new Verdict(false, new byte[0]);
  }

  /**
   * Verifies as {@link #verify} does, at the same cost, and also returns the curve point the
   * signature's r came from, so a later audit can check it in a {@link BatchVerifier} batch. The
   * point is derived from the signature, not part of what was signed: a wrong one is never trusted.
   */
  public static Verdict verifyRecovering(
      PublicKey key, String domain, byte[] body, byte[] signature) {
    if (key == null || body == null || signature == null || signature.length == 0) {
      return Verdict.INVALID;
    }
    ECPublicKeyParameters p;
    try {
      p = p256(key);
    } catch (RuntimeException e) {
      return Verdict.INVALID;
    }
    if (p == null) {
      return verify(key, domain, body, signature)
          ? new Verdict(true, new byte[0])
          : Verdict.INVALID;
    }
    BigInteger n = DOMAIN.getN();
    BigInteger[] rs;
    try {
      rs = StandardDSAEncoding.INSTANCE.decode(n, signature);
    } catch (java.io.IOException | RuntimeException e) {
      return Verdict.INVALID;
    }
    BigInteger r = rs[0];
    BigInteger s = rs[1];
    if (r.signum() <= 0 || r.compareTo(n) >= 0 || s.signum() <= 0 || s.compareTo(n) >= 0) {
      return Verdict.INVALID;
    }
    BigInteger e = new BigInteger(1, digest(domain, body));
    BigInteger w = s.modInverse(n);
    org.bouncycastle.math.ec.ECPoint point =
        org.bouncycastle.math.ec.ECAlgorithms.sumOfTwoMultiplies(
                DOMAIN.getG(), e.multiply(w).mod(n), p.getQ(), r.multiply(w).mod(n))
            .normalize();
    if (point.isInfinity() || !point.getAffineXCoord().toBigInteger().mod(n).equals(r)) {
      return Verdict.INVALID;
    }
    return new Verdict(true, point.getEncoded(false));
  }

  /**
   * The nonce point R of a signature with this {@code r}, from its SEC1 encoding; null when the
   * encoding is no point on the curve or the point's x does not give {@code r}.
   */
  static org.bouncycastle.math.ec.ECPoint nonce(BigInteger r, byte[] encoded) {
    if (encoded == null || encoded.length != 65) {
      return null;
    }
    org.bouncycastle.math.ec.ECPoint point;
    try {
      point = DOMAIN.getCurve().decodePoint(encoded); // refuses a point off the curve
    } catch (IllegalArgumentException notOnCurve) {
      return null;
    }
    if (point.isInfinity()
        || !point.getAffineXCoord().toBigInteger().mod(DOMAIN.getN()).equals(r)) {
      return null;
    }
    return point;
  }

  /** The translated key, or null when it is not a P-256 key; for {@link BatchVerifier}. */
  static ECPublicKeyParameters p256Public(PublicKey key) {
    try {
      return p256(key);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static byte[] digest(String domain, byte[] body) {
    MessageDigest d = Sha256.newDigest();
    d.update(domain.getBytes(StandardCharsets.US_ASCII));
    d.update(body);
    return d.digest();
  }

  private static boolean isP256(ECParameterSpec spec) {
    return spec != null
        && spec.getOrder().equals(DOMAIN.getN())
        && spec.getGenerator().getAffineX().equals(DOMAIN.getG().getAffineXCoord().toBigInteger())
        && spec.getGenerator().getAffineY().equals(DOMAIN.getG().getAffineYCoord().toBigInteger());
  }

  /** The translated public key, or null when it is not a P-256 key. */
  private static ECPublicKeyParameters p256(PublicKey key) {
    if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
      return null;
    }
    ByteBuffer id = ByteBuffer.wrap(key.getEncoded());
    ECPublicKeyParameters p = PUBLIC.get(id);
    if (p == null) {
      // validatePoint refuses a point off the curve (an invalid-curve attack).
      ECPoint w = ec.getW();
      p =
          new ECPublicKeyParameters(
              DOMAIN.getCurve().validatePoint(w.getAffineX(), w.getAffineY()), DOMAIN);
      if (PUBLIC.size() >= MAX_KEYS) {
        PUBLIC.clear();
      }
      PUBLIC.put(id, p);
    }
    return p;
  }

  private static ECPrivateKeyParameters p256(PrivateKey key) {
    if (!(key instanceof ECPrivateKey ec) || !isP256(ec.getParams())) {
      return null;
    }
    ECPrivateKeyParameters p = PRIVATE.get(key);
    if (p == null) {
      p = new ECPrivateKeyParameters(ec.getS(), DOMAIN);
      if (PRIVATE.size() >= MAX_KEYS) {
        PRIVATE.clear();
      }
      PRIVATE.put(key, p);
    }
    return p;
  }

  /** Parses a DER certificate. */
  public static X509Certificate certificate(byte[] der) throws CertificateException {
    if (der == null || der.length == 0) {
      throw new CertificateException("no certificate");
    }
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new java.io.ByteArrayInputStream(der));
    } catch (RuntimeException e) {
      throw new CertificateException("not a DER certificate: " + e.getMessage(), e);
    }
  }
}
