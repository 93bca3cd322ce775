package org.entente.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS trust decision for every Entente connection, backed by {@link PeerVerifier} and the live
 * {@link FederationTrust}. Identity is the SAN URI, not the host name (as in SPIFFE), so no host
 * name check is made; a client may also require the server to hold one of some roles. Thread-safe.
 */
public final class EntenteTrustManager extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(EntenteTrustManager.class);

  private final FederationTrust trust;
  private final Clock clock;
  private final Set<Role> serverRoles;

  /**
   * @param serverRoles roles a server must hold when this manager checks servers (empty: any)
   */
  public EntenteTrustManager(FederationTrust trust, Clock clock, Set<Role> serverRoles) {
    this.trust = trust;
    this.clock = clock;
    this.serverRoles =
        serverRoles.isEmpty() ? EnumSet.allOf(Role.class) : EnumSet.copyOf(serverRoles);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      PeerVerifier.verify(chain, Usage.CLIENT_AUTH, clock.instant(), trust.snapshot());
    } catch (PeerRejectedException e) {
      log.warn("refused client certificate: {}", e.getMessage());
      throw e;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    Identity id;
    try {
      id = PeerVerifier.verify(chain, Usage.SERVER_AUTH, clock.instant(), trust.snapshot());
    } catch (PeerRejectedException e) {
      log.warn("refused server certificate: {}", e.getMessage());
      throw e;
    }
    if (!serverRoles.contains(id.role())) {
      throw new PeerRejectedException(
          "server " + id + " does not hold an expected role " + serverRoles);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return trust.snapshot().bundle().roots().values().toArray(X509Certificate[]::new);
  }
}
