package org.entente.coordinator.zk;

import java.security.cert.X509Certificate;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.server.auth.X509AuthenticationProvider;
import org.entente.security.Identity;
import org.entente.security.IdentityCertificates;
import org.entente.security.Role;

/**
 * ZooKeeper's x509 authentication with Entente identities, for the ZooKeeper servers (put this
 * module's jar on their class path and set {@code authProvider.x509} to this class): a client whose
 * TLS certificate holds the coordinator role of any member nation authenticates as {@code
 * x509:coordinator}, every other one as its identity URI. The znodes Entente writes carry one ACL,
 * {@code x509:coordinator} with every permission, so only coordinators read or write them,
 * whichever nation runs them. The certificate chain itself is checked by ZooKeeper's trust manager
 * against the member roots ({@code ssl.trustStore}).
 */
public class CoordinatorAuthProvider extends X509AuthenticationProvider {
  /** The x509 id every coordinator authenticates as. */
  public static final String COORDINATORS = "coordinator";

  public CoordinatorAuthProvider() throws X509Exception {
    super();
  }

  public CoordinatorAuthProvider(X509TrustManager trust, X509KeyManager keys) {
    super(trust, keys);
  }

  @Override
  protected String getClientId(X509Certificate cert) {
    Identity id;
    try {
      id = IdentityCertificates.identityOf(cert);
    } catch (IllegalArgumentException e) {
      return "unknown:" + cert.getSubjectX500Principal().getName();
    }
    return id.role() == Role.COORDINATOR ? COORDINATORS : id.toUri();
  }

  @Override
  public boolean isValid(String id) {
    return !id.isBlank();
  }
}
