package org.entente.security.transparency;

import java.security.MessageDigest;
import java.util.Objects;
import org.entente.security.Sha256;

/**
 * The RFC 6962 (section 2.1) Merkle tree hashes over SHA-256: a leaf is hashed as {@code
 * SHA-256(0x00 || data)} and an interior node as {@code SHA-256(0x01 || left || right)}, so that no
 * leaf can pass for a node (second-preimage resistance). The empty tree's hash is SHA-256 of
 * nothing.
 *
 * <p>Thread-safe: stateless; each thread hashes with its own digester.
 */
public final class Rfc6962 {
  /** Length of every hash in the tree, in bytes. */
  public static final int HASH_BYTES = 32;

  static final byte LEAF_PREFIX = 0x00;
  static final byte NODE_PREFIX = 0x01;

  // MessageDigest.getInstance costs a provider lookup, as much as the hash of a node.
  private static final ThreadLocal<MessageDigest> DIGEST =
      ThreadLocal.withInitial(Sha256::newDigest);

  private static final byte[] EMPTY_ROOT = Sha256.newDigest().digest();

  private Rfc6962() {}

  /** {@code SHA-256(0x00 || data)}. */
  public static byte[] leafHash(byte[] data) {
    Objects.requireNonNull(data, "data");
    MessageDigest digest = DIGEST.get();
    digest.update(LEAF_PREFIX);
    digest.update(data);
    return digest.digest();
  }

  /**
   * {@code SHA-256(0x01 || left || right)}. The inputs are not checked to be {@link #HASH_BYTES}
   * long, so that RFC 6962's own examples can be reproduced; the tree and the verifier check.
   */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    Objects.requireNonNull(left, "left");
    Objects.requireNonNull(right, "right");
    MessageDigest digest = DIGEST.get();
    digest.update(NODE_PREFIX);
    digest.update(left);
    digest.update(right);
    return digest.digest();
  }

  /** The hash of the empty tree, {@code SHA-256()}. A new array each call. */
  public static byte[] emptyRoot() {
    return EMPTY_ROOT.clone();
  }

  static boolean isHash(byte[] bytes) {
    return bytes != null && bytes.length == HASH_BYTES;
  }

  static byte[] requireHash(byte[] bytes, String name) {
    if (bytes == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (bytes.length != HASH_BYTES) {
      throw new IllegalArgumentException(
          name + " is " + bytes.length + " bytes, not " + HASH_BYTES);
    }
    return bytes;
  }
}
