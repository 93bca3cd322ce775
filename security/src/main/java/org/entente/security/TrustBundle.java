package org.entente.security;

import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The member nations' root certificates, keyed by nation. A root is admitted only if it is a CA
 * certificate naming exactly one nation; two roots for one nation are refused. Immutable.
 */
public record TrustBundle(Map<String, X509Certificate> roots) {
  public TrustBundle {
    roots = Map.copyOf(roots);
  }

  /** Builds a bundle from root certificates, reading each one's nation. */
  public static TrustBundle of(Collection<X509Certificate> certificates) {
    Map<String, X509Certificate> byNation = new TreeMap<>();
    for (X509Certificate c : certificates) {
      if (c.getBasicConstraints() < 0) {
        throw new IllegalArgumentException(
            c.getSubjectX500Principal() + " is not a CA certificate and cannot be a nation root");
      }
      String nation = IdentityCertificates.nationOfRoot(c);
      X509Certificate previous = byNation.put(nation, c);
      if (previous != null && !previous.equals(c)) {
        throw new IllegalArgumentException("two different roots claim nation " + nation);
      }
    }
    return new TrustBundle(byNation);
  }

  public X509Certificate root(String nation) {
    return roots.get(nation);
  }

  public java.util.Set<String> nations() {
    return new java.util.TreeSet<>(roots.keySet());
  }
}
