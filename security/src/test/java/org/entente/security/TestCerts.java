package org.entente.security;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Shared fixtures for the security tests: one fixed instant that every clock is derived from, and a
 * shortcut for {@link NationCa#issue} that also returns the subject's private key, so that the
 * certificates an attacker or a misconfigured CA would present can be used in real handshakes.
 */
final class TestCerts {
  /** The instant every test clock is fixed at; far from the wall clock on purpose. */
  static final Instant NOW = Instant.parse("2031-03-01T12:00:00Z");

  /** The clock every CA and trust manager in the tests reads. */
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private TestCerts() {}

  /** A certificate together with the private key of its subject. */
  record Issued(X509Certificate certificate, PrivateKey key) {
    /** As key material; only for certificates that carry exactly one entente:// identity. */
    KeyMaterial keyMaterial() {
      return KeyMaterial.of(certificate, key);
    }
  }

  /**
   * Issues a certificate with a fresh key exactly as described, bypassing {@link NationCa#sign}.
   */
  static Issued issue(
      NationCa ca,
      String sanUri,
      Instant notBefore,
      Instant notAfter,
      Set<Usage> usages,
      boolean isCa) {
    KeyPair keys = KeyPairs.generateP256();
    X509Certificate cert =
        ca.issue(
            new NationCa.Issue(
                keys.getPublic(), sanUri, List.of(), notBefore, notAfter, usages, isCa));
    return new Issued(cert, keys.getPrivate());
  }

  /** Issues a certificate valid for a day around {@link #NOW}. */
  static Issued issue(NationCa ca, String sanUri, Set<Usage> usages, boolean isCa) {
    return issue(
        ca, sanUri, NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)), usages, isCa);
  }

  /** A client-only leaf, as {@link NationCa#sign} would give a node, but through issue. */
  static Issued clientLeaf(NationCa ca, String sanUri) {
    return issue(ca, sanUri, EnumSet.of(Usage.CLIENT_AUTH), false);
  }
}
