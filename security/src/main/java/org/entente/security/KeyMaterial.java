package org.entente.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate and its private key: what a process presents in TLS. The identity is read from the
 * certificate when loaded, so a wrong file fails early. Immutable.
 */
public record KeyMaterial(X509Certificate certificate, PrivateKey privateKey, Identity identity) {
  public KeyMaterial {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(identity, "identity");
  }

  /** Pairs a certificate with its key, reading the identity from the certificate. */
  public static KeyMaterial of(X509Certificate certificate, PrivateKey privateKey) {
    return new KeyMaterial(certificate, privateKey, IdentityCertificates.identityOf(certificate));
  }

  /** Loads {@code cert.pem} and {@code key.pem} files. */
  public static KeyMaterial load(Path certFile, Path keyFile) throws IOException {
    X509Certificate cert = Pem.readCertificate(certFile);
    PrivateKey key = Pem.readPrivateKey(keyFile);
    try {
      return of(cert, key);
    } catch (IllegalArgumentException e) {
      throw new IOException(certFile + ": " + e.getMessage(), e);
    }
  }
}
