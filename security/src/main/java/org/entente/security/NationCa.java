package org.entente.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A nation's root certificate authority: an ECDSA P-256 key and self-signed certificate kept in a
 * directory the nation controls ({@code ca.pem}, {@code ca.key} with mode 0600). It signs CSRs for
 * its own nation only and publishes revocation lists. Not thread-safe for concurrent revocations
 * (one operator, one directory).
 */
public final class NationCa {
  /** Root certificate file in a CA directory. */
  public static final String CERT_FILE = "ca.pem";

  /** Root key file in a CA directory. */
  public static final String KEY_FILE = "ca.key";

  private static final SecureRandom SERIALS = new SecureRandom();

  private final String nation;
  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;

  private NationCa(String nation, X509Certificate certificate, PrivateKey key, Clock clock) {
    this.nation = nation;
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
  }

  /** Makes a new root for {@code nation}, valid from now for {@code validity}. */
  public static NationCa create(String nation, Clock clock, Duration validity) {
    Names.requireNation(nation);
    KeyPair keys = KeyPairs.generateP256();
    Instant now = clock.instant();
    X500Name subject = new X500Name("CN=Entente root CA " + nation + ",O=Entente " + nation);
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              newSerial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(validity)),
              subject,
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName(
                  GeneralName.uniformResourceIdentifier, IdentityCertificates.rootUri(nation))));
      X509Certificate cert =
          new JcaX509CertificateConverter().getCertificate(b.build(signer(keys.getPrivate())));
      return new NationCa(nation, cert, keys.getPrivate(), clock);
    } catch (CertIOException | CertificateException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("could not create root certificate", e);
    }
  }

  /** Loads a CA directory written by {@link #save}. */
  public static NationCa load(Path dir, Clock clock) throws IOException {
    X509Certificate cert = Pem.readCertificate(dir.resolve(CERT_FILE));
    PrivateKey key = Pem.readPrivateKey(dir.resolve(KEY_FILE));
    String nation;
    try {
      nation = IdentityCertificates.nationOfRoot(cert);
    } catch (IllegalArgumentException e) {
      throw new IOException(dir.resolve(CERT_FILE) + ": " + e.getMessage(), e);
    }
    return new NationCa(nation, cert, key, clock);
  }

  /** Writes the CA into {@code dir}; refuses if the directory already holds a CA. */
  public void save(Path dir) throws IOException {
    if (Files.exists(dir.resolve(KEY_FILE)) || Files.exists(dir.resolve(CERT_FILE))) {
      throw new IOException(dir + " already holds a nation CA; refusing to overwrite it");
    }
    Files.createDirectories(dir);
    Pem.writePrivateKey(dir.resolve(KEY_FILE), key);
    Pem.writePublic(dir.resolve(CERT_FILE), certificate);
  }

  public String nation() {
    return nation;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Signs a CSR of this nation with the role's default usages. A CSR naming another nation is
   * refused: a nation CA never mints foreign identities.
   */
  public X509Certificate sign(PKCS10CertificationRequest csr, Duration validity) {
    CertificateRequests.Requested req = CertificateRequests.verify(csr);
    if (!req.identity().nation().equals(nation)) {
      throw new IllegalArgumentException(
          "the "
              + nation
              + " CA cannot sign a certificate for "
              + req.identity()
              + ": identities must belong to the CA's own nation");
    }
    Instant now = clock.instant();
    try {
      PublicKey pub =
          new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter().getPublicKey(req.key());
      return issue(
          new Issue(
              pub,
              req.identity().toUri(),
              req.hosts(),
              now.minus(Duration.ofMinutes(5)),
              now.plus(validity),
              Usage.defaultsFor(req.identity().role()),
              false));
    } catch (org.bouncycastle.openssl.PEMException e) {
      throw new IllegalArgumentException("certificate request holds an unusable public key", e);
    }
  }

  /**
   * What to put in a certificate, without the safety rails of {@link #sign}: any SAN URI, any
   * window, any usages. Used to sign ordinary CSRs and, in tests, to build the certificates that
   * attackers and misconfigured CAs would present.
   */
  public record Issue(
      PublicKey subjectKey,
      String sanUri,
      List<String> hosts,
      Instant notBefore,
      Instant notAfter,
      Set<Usage> usages,
      boolean ca) {}

  /** Issues a certificate exactly as described. */
  public X509Certificate issue(Issue spec) {
    try {
      String cn = spec.sanUri().replace("entente://", "");
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              certificate,
              newSerial(),
              Date.from(spec.notBefore()),
              Date.from(spec.notAfter()),
              new X500Name("CN=" + cn.replace(",", "_") + ",O=Entente " + nation),
              spec.subjectKey());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(
          Extension.basicConstraints,
          true,
          spec.ca() ? new BasicConstraints(0) : new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              spec.ca()
                  ? KeyUsage.keyCertSign | KeyUsage.digitalSignature
                  : KeyUsage.digitalSignature));
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (spec.usages().contains(Usage.CLIENT_AUTH)) {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
      }
      if (spec.usages().contains(Usage.SERVER_AUTH)) {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (!purposes.isEmpty()) {
        b.addExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
      }
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, spec.sanUri()));
      for (String h : spec.hosts()) {
        names.add(CertificateRequests.hostName(h));
      }
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      return new JcaX509CertificateConverter().getCertificate(b.build(signer(key)));
    } catch (CertIOException | CertificateException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("could not issue certificate", e);
    }
  }

  /**
   * A signed revocation list with the given number revoking {@code serials}. Numbers must grow:
   * verifiers refuse a list older than the one they hold.
   */
  public X509CRL revocationList(long number, Collection<BigInteger> serials) {
    Instant now = clock.instant();
    X509v2CRLBuilder b =
        new X509v2CRLBuilder(
            X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
            Date.from(now));
    b.setNextUpdate(Date.from(now.plus(Duration.ofDays(30))));
    for (BigInteger serial : serials) {
      b.addCRLEntry(serial, Date.from(now), CRLReason.keyCompromise);
    }
    try {
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
      return new JcaX509CRLConverter().getCRL(b.build(signer(key)));
    } catch (CertIOException | CRLException e) {
      throw new IllegalStateException("could not build revocation list", e);
    }
  }

  private static BigInteger newSerial() {
    return new BigInteger(127, SERIALS).add(BigInteger.ONE);
  }

  private static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }
}
