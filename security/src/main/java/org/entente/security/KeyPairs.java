package org.entente.security;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

/** Makes ECDSA P-256 key pairs, the only key type Entente issues. Stateless. */
public final class KeyPairs {
  private KeyPairs() {}

  /** A fresh P-256 key pair from the platform's strong random source. */
  public static KeyPair generateP256() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is not available in this JVM", e);
    }
  }
}
