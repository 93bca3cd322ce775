package org.entente.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Domain-separated signatures over exact bytes (receipts, seals, checkpoints, cosignatures): the
 * signed message is {@code domain || body}, so a signature made for one purpose never verifies for
 * another. ECDSA P-256 with SHA-256 (the keys of our certificates), computed by Bouncy Castle,
 * which signs and verifies about 7x and 10x faster than the JDK 17 provider here. Stateless and
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

  private static final String ALGORITHM = "SHA256withECDSA";
  private static final Provider BC = new BouncyCastleProvider();

  private Signatures() {}

  /** Signs {@code domain || body} with {@code key}. */
  public static byte[] sign(PrivateKey key, String domain, byte[] body) {
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
   * exception) for a malformed signature or a key of another kind.
   */
  public static boolean verify(PublicKey key, String domain, byte[] body, byte[] signature) {
    if (key == null || body == null || signature == null || signature.length == 0) {
      return false;
    }
    try {
      Signature s = Signature.getInstance(ALGORITHM, BC);
      s.initVerify(key);
      s.update(domain.getBytes(StandardCharsets.US_ASCII));
      s.update(body);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
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
