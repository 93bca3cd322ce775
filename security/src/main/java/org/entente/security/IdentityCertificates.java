package org.entente.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Reads Entente names out of certificates: a leaf's identity and a root's nation. Both live in a
 * SAN URI; a root's is {@code entente://<NATION>}. Stateless.
 */
public final class IdentityCertificates {
  private static final int SAN_URI = 6;

  private IdentityCertificates() {}

  /** The identity of a leaf certificate; throws if it has none or more than one. */
  public static Identity identityOf(X509Certificate cert) {
    List<String> uris = ententeUris(cert);
    if (uris.size() != 1) {
      throw new IllegalArgumentException(
          "certificate must carry exactly one entente:// SAN URI, found " + uris.size());
    }
    return Identity.parseUri(uris.get(0));
  }

  /** The nation of a nation root certificate. */
  public static String nationOfRoot(X509Certificate root) {
    List<String> uris = ententeUris(root);
    String prefix = Identity.SCHEME + "://";
    if (uris.size() != 1 || uris.get(0).substring(prefix.length()).contains("/")) {
      throw new IllegalArgumentException(
          "nation root must carry exactly one SAN URI of the form entente://<NATION>");
    }
    return Names.requireNation(uris.get(0).substring(prefix.length()));
  }

  /** The SAN URI of a nation root. */
  public static String rootUri(String nation) {
    return Identity.SCHEME + "://" + Names.requireNation(nation);
  }

  private static List<String> ententeUris(X509Certificate cert) {
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("unreadable subject alternative names", e);
    }
    List<String> uris = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (((Integer) san.get(0)) == SAN_URI
            && san.get(1) instanceof String s
            && s.startsWith(Identity.SCHEME + "://")) {
          uris.add(s);
        }
      }
    }
    return uris;
  }
}
