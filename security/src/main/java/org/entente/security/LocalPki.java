package org.entente.security;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several nation CAs held in memory, issuing identities through the same CSR path as the command
 * line. Used by {@code entente demo}, benchmarks and tests: two lines give a real PKI. Not
 * thread-safe.
 */
public final class LocalPki {
  private final Map<String, NationCa> cas = new LinkedHashMap<>();
  private final Clock clock;

  private LocalPki(Clock clock) {
    this.clock = clock;
  }

  /** New roots for each nation. */
  public static LocalPki create(Clock clock, String... nations) {
    LocalPki pki = new LocalPki(clock);
    for (String n : nations) {
      pki.cas.put(n, NationCa.create(n, clock, Duration.ofDays(3650)));
    }
    return pki;
  }

  public NationCa ca(String nation) {
    NationCa ca = cas.get(nation);
    if (ca == null) {
      throw new IllegalArgumentException("no CA for nation " + nation);
    }
    return ca;
  }

  /** The bundle of every root held. */
  public TrustBundle bundle() {
    return TrustBundle.of(cas.values().stream().map(NationCa::certificate).toList());
  }

  /** A fresh trust holder over {@link #bundle()}. */
  public FederationTrust trust() {
    return new FederationTrust(bundle());
  }

  /** Makes a key and CSR for {@code identity} and has its nation's CA sign it. */
  public KeyMaterial issue(Identity identity, String... hosts) {
    KeyPair keys = KeyPairs.generateP256();
    X509Certificate cert =
        ca(identity.nation())
            .sign(CertificateRequests.create(identity, List.of(hosts), keys), Duration.ofDays(365));
    return KeyMaterial.of(cert, keys.getPrivate());
  }

  public Clock clock() {
    return clock;
  }
}
