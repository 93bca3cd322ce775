package org.entente.security;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * Decides whether a presented certificate chain is a member identity: pure, no I/O, time passed in.
 * Entente roots issue leaves directly, so the chain is the leaf (optionally followed by the root,
 * which is ignored in favour of the bundle's copy). Stateless.
 */
public final class PeerVerifier {
  private static final String CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";
  private static final String SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1";

  private PeerVerifier() {}

  /**
   * Verifies the chain for the given usage.
   *
   * @return the peer's identity
   * @throws PeerRejectedException with the reason, if any check fails
   */
  public static Identity verify(
      X509Certificate[] chain, Usage usage, Instant now, FederationTrust.Snapshot trust)
      throws PeerRejectedException {
    if (chain == null || chain.length == 0) {
      throw new PeerRejectedException("no certificate presented");
    }
    X509Certificate leaf = chain[0];
    if (leaf.getBasicConstraints() >= 0) {
      throw new PeerRejectedException("a CA certificate cannot be used as a peer certificate");
    }
    X509Certificate root = issuingRoot(leaf, trust.bundle());
    String rootNation = IdentityCertificates.nationOfRoot(root);
    checkWindow(leaf, now, "certificate");
    checkWindow(root, now, rootNation + " root");
    checkUsage(leaf, usage);
    Identity identity;
    try {
      identity = IdentityCertificates.identityOf(leaf);
    } catch (IllegalArgumentException e) {
      throw new PeerRejectedException(
          "certificate has no valid Entente identity: " + e.getMessage());
    }
    if (!identity.nation().equals(rootNation)) {
      throw new PeerRejectedException(
          "certificate claims "
              + identity
              + " but was issued by the "
              + rootNation
              + " root: a nation can only vouch for its own identities");
    }
    if (trust.isRevoked(rootNation, leaf.getSerialNumber())) {
      throw new PeerRejectedException(
          "certificate "
              + identity
              + " (serial "
              + leaf.getSerialNumber().toString(16)
              + ") is revoked");
    }
    return identity;
  }

  private static X509Certificate issuingRoot(X509Certificate leaf, TrustBundle bundle)
      throws PeerRejectedException {
    for (X509Certificate root : bundle.roots().values()) {
      if (root.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
        try {
          leaf.verify(root.getPublicKey());
          return root;
        } catch (GeneralSecurityException e) {
          // Same name, different key: keep looking, then reject below.
        }
      }
    }
    throw new PeerRejectedException(
        "certificate was not issued by any member nation's root (issuer "
            + leaf.getIssuerX500Principal()
            + ")");
  }

  private static void checkWindow(X509Certificate c, Instant now, String what)
      throws PeerRejectedException {
    if (now.isBefore(c.getNotBefore().toInstant())) {
      throw new PeerRejectedException(what + " is not valid until " + c.getNotBefore().toInstant());
    }
    if (now.isAfter(c.getNotAfter().toInstant())) {
      throw new PeerRejectedException(what + " expired at " + c.getNotAfter().toInstant());
    }
  }

  private static void checkUsage(X509Certificate leaf, Usage usage) throws PeerRejectedException {
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new PeerRejectedException("certificate has an unreadable extended key usage");
    }
    String needed = usage == Usage.CLIENT_AUTH ? CLIENT_AUTH_OID : SERVER_AUTH_OID;
    if (eku == null || !eku.contains(needed)) {
      throw new PeerRejectedException(
          "certificate is not issued for "
              + (usage == Usage.CLIENT_AUTH ? "client" : "server")
              + " authentication");
    }
  }
}
