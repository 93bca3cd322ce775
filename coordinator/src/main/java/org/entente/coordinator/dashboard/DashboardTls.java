package org.entente.coordinator.dashboard;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.security.EntenteTrustManager;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.PeerRejectedException;
import org.entente.security.PeerVerifier;
import org.entente.security.Usage;

/**
 * The dashboard's HTTPS: TLS 1.3 only, this replica's own certificate, a client certificate
 * required and checked by the same {@link EntenteTrustManager} as the gRPC server, and every
 * request checked again against the live trust (revocations since the handshake) and the access
 * policy (operators and coordinators may read the federation). Thread-safe.
 */
final class DashboardTls {
  private static final String TLS13 = "TLSv1.3";

  private final FederationTrust trust;
  private final Clock clock;
  private final SSLContext context;

  DashboardTls(KeyMaterial own, FederationTrust trust, Clock clock) {
    this.trust = trust;
    this.clock = clock;
    try {
      char[] password = new char[0];
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "replica", own.privateKey(), password, new Certificate[] {own.certificate()});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      context = SSLContext.getInstance(TLS13);
      context.init(
          kmf.getKeyManagers(),
          new TrustManager[] {new EntenteTrustManager(trust, clock, Set.of())},
          new SecureRandom());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException(
          "cannot build the dashboard's TLS context: " + e.getMessage(), e);
    }
  }

  /** Configures each connection: TLS 1.3, client certificate required. */
  HttpsConfigurator configurator() {
    return new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(new String[] {TLS13});
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    };
  }

  /**
   * The caller of a request on {@code session}, if it may read the dashboard.
   *
   * @throws PeerRejectedException when its certificate is no longer valid in the federation
   * @throws org.entente.coordinator.errors.ForbiddenException when its role may not read it
   */
  Identity authorize(SSLSession session) throws PeerRejectedException {
    Certificate[] presented;
    try {
      presented = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw new PeerRejectedException("no client certificate presented");
    }
    X509Certificate[] chain = new X509Certificate[presented.length];
    for (int i = 0; i < presented.length; i++) {
      chain[i] = (X509Certificate) presented[i];
    }
    Identity caller =
        PeerVerifier.verify(chain, Usage.CLIENT_AUTH, clock.instant(), trust.snapshot());
    AccessPolicy.check(caller, Action.READ_FEDERATION, "", "");
    return caller;
  }
}
