package org.entente.security;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * A nation's verified revocation list: the serials its root has revoked, and the list's number
 * (which only grows, so an old list cannot be replayed over a newer one). Immutable.
 */
public record RevocationList(
    String nation, long number, Instant issuedAt, Set<BigInteger> serials) {
  public RevocationList {
    Names.requireNation(nation);
    serials = Set.copyOf(serials);
  }

  /** The empty list a nation starts with. */
  public static RevocationList empty(String nation) {
    return new RevocationList(nation, 0, Instant.EPOCH, Set.of());
  }

  public boolean revokes(BigInteger serial) {
    return serials.contains(serial);
  }

  /**
   * Parses a PEM CRL and checks that {@code root} signed it; the list's nation is the root's.
   *
   * @throws IllegalArgumentException naming what is wrong with the list
   */
  public static RevocationList verify(String pem, X509Certificate root) {
    X509CRL crl;
    try {
      crl = Pem.readCrl(pem, "revocation list");
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    String nation = IdentityCertificates.nationOfRoot(root);
    if (!crl.getIssuerX500Principal().equals(root.getSubjectX500Principal())) {
      throw new IllegalArgumentException(
          "revocation list was issued by "
              + crl.getIssuerX500Principal()
              + ", not the "
              + nation
              + " root");
    }
    try {
      crl.verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "revocation list signature does not verify against the " + nation + " root", e);
    }
    byte[] ext = crl.getExtensionValue(org.bouncycastle.asn1.x509.Extension.cRLNumber.getId());
    if (ext == null) {
      throw new IllegalArgumentException("revocation list has no CRL number");
    }
    long number;
    try {
      number =
          ASN1Integer.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)).longValueExact();
    } catch (IOException | ArithmeticException e) {
      throw new IllegalArgumentException("revocation list has an unreadable CRL number", e);
    }
    Set<BigInteger> serials = new HashSet<>();
    Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
    if (entries != null) {
      for (X509CRLEntry e : entries) {
        serials.add(e.getSerialNumber());
      }
    }
    return new RevocationList(nation, number, crl.getThisUpdate().toInstant(), serials);
  }
}
