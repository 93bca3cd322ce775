package org.entente.coordinator.ledger;

import java.security.cert.X509Certificate;
import java.util.Map;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.PeerRejectedException;
import org.entente.security.PeerVerifier;
import org.entente.security.TrustBundle;
import org.entente.security.Usage;

/**
 * Whether a logged certificate was issued by a member root for an identity of that root's own
 * nation. Checked at the certificate's own start of validity, with no revocations: the log is
 * history, and a certificate revoked or expired since does not unmake the receipts it signed while
 * it was good (the leader refused it at the time if it was not). Stateless.
 */
public final class CertificateChains {
  private CertificateChains() {}

  /**
   * The identity {@code cert} vouches for.
   *
   * @throws IllegalArgumentException with the reason when no member root vouches for it
   */
  public static Identity identity(X509Certificate cert, TrustBundle bundle) {
    try {
      return PeerVerifier.verify(
          new X509Certificate[] {cert},
          Usage.CLIENT_AUTH,
          cert.getNotBefore().toInstant().plusSeconds(1),
          new FederationTrust.Snapshot(bundle, Map.of()));
    } catch (PeerRejectedException e) {
      throw new IllegalArgumentException("the certificate is refused: " + e.getMessage());
    }
  }
}
