package org.entente.security.transparency;

import java.security.MessageDigest;
import java.util.List;

/**
 * Checks RFC 6962 inclusion and consistency proofs with the verification algorithms of RFC 9162
 * sections 2.1.3.2 and 2.1.4.2. Both answer {@code false} for anything that is not a valid proof
 * and never throw: a null or malformed argument, a hash that is not 32 bytes, a negative or
 * impossible size, a path too long or too short, a null element, are all just invalid proofs.
 *
 * <p>Stricter than RFC 9162 in two places, both of which only reject proofs that prove nothing:
 *
 * <ul>
 *   <li>Every hash, roots included, must be {@link Rfc6962#HASH_BYTES} long, even where the
 *       algorithm would only compare it (equal sizes).
 *   <li>A consistency proof from the empty tree ({@code size1 == 0}) is refused, whatever the proof
 *       and roots: RFC 9162 section 2.1.4 does not define it, and every tree extends the empty
 *       tree, so there is nothing to prove. A witness that has seen no tree yet adopts its first
 *       checkpoint on its own terms. {@link MerkleTree#consistencyProof} refuses it too.
 * </ul>
 *
 * <p>Thread-safe: stateless.
 */
public final class ProofVerifier {
  // A tree has at most 2^63 - 1 leaves, so no valid path has more hashes than this (a
  // consistency proof may carry one more, the old root's subtree).
  private static final int MAX_PATH = 64;

  private ProofVerifier() {}

  /**
   * Whether {@code path} proves that {@code leafHash} is leaf {@code index} of the tree of {@code
   * treeSize} leaves whose root is {@code root} (RFC 9162 section 2.1.3.2).
   */
  public static boolean verifyInclusion(
      byte[] leafHash, long index, long treeSize, List<byte[]> path, byte[] root) {
    if (!Rfc6962.isHash(leafHash) || !Rfc6962.isHash(root)) {
      return false;
    }
    if (index < 0 || index >= treeSize) {
      return false;
    }
    byte[][] hashes = hashesOf(path);
    if (hashes == null) {
      return false;
    }
    long fn = index;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (byte[] p : hashes) {
      if (sn == 0) {
        return false; // the path is longer than the tree is tall
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = Rfc6962.nodeHash(p, r);
        // Skip the levels where the node is the last of its level and has no right sibling.
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        r = Rfc6962.nodeHash(r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Whether {@code proof} proves that the tree of {@code size2} leaves with root {@code root2}
   * extends the tree of {@code size1} leaves with root {@code root1} (RFC 9162 section 2.1.4.2).
   * Equal sizes need an empty proof and equal roots; {@code size1 == 0} is refused (see above).
   */
  public static boolean verifyConsistency(
      long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    if (!Rfc6962.isHash(root1) || !Rfc6962.isHash(root2)) {
      return false;
    }
    if (size1 <= 0 || size2 < size1) {
      return false;
    }
    byte[][] hashes = hashesOf(proof);
    if (hashes == null) {
      return false;
    }
    if (size1 == size2) {
      return hashes.length == 0 && MessageDigest.isEqual(root1, root2);
    }
    if (hashes.length == 0) {
      return false;
    }
    // When the old tree is a complete subtree of the new one, its root is the proof's first node,
    // which the proof leaves out because the verifier has it.
    int next = 0;
    byte[] first;
    if (Long.bitCount(size1) == 1) {
      first = root1;
    } else {
      first = hashes[next++];
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    byte[] fr = first;
    byte[] sr = first;
    for (; next < hashes.length; next++) {
      byte[] c = hashes[next];
      if (sn == 0) {
        return false; // the proof is longer than the new tree is tall
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = Rfc6962.nodeHash(c, fr);
        sr = Rfc6962.nodeHash(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        sr = Rfc6962.nodeHash(sr, c);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, root1) && MessageDigest.isEqual(sr, root2);
  }

  /** The list's elements if it is a plausible path of 32-byte hashes, otherwise null. */
  private static byte[][] hashesOf(List<byte[]> list) {
    if (list == null) {
      return null;
    }
    Object[] items;
    try {
      if (list.size() > MAX_PATH + 1) {
        return null;
      }
      // One snapshot, read once: a list that changes or fails while being read proves nothing.
      items = list.toArray();
    } catch (RuntimeException e) {
      return null;
    }
    if (items.length > MAX_PATH + 1) {
      return null;
    }
    byte[][] hashes = new byte[items.length][];
    for (int i = 0; i < items.length; i++) {
      // An unchecked cast upstream can put anything in a List<byte[]>.
      if (!(items[i] instanceof byte[] hash) || !Rfc6962.isHash(hash)) {
        return null;
      }
      hashes[i] = hash;
    }
    return hashes;
  }
}
