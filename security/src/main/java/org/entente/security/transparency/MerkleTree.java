package org.entente.security.transparency;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.entente.security.Sha256;

/**
 * An append-only RFC 6962 Merkle tree held in memory: the leaf hashes, and the hash of every
 * complete, aligned subtree of 2<sup>k</sup> leaves, by level. The hash of any subtree that RFC
 * 6962's recursion visits is then one of those or folds at most ~log n of them, so {@link #root},
 * {@link #inclusionProof} and {@link #consistencyProof} cost O(log n) hashes, for any earlier tree
 * size too; {@link #append} costs amortised one node hash.
 *
 * <p>Memory: 32 bytes per leaf and about as much again for the levels above.
 *
 * <p>Proofs follow RFC 6962 section 2.1.1 (PATH) and 2.1.2 (SUBPROOF), equivalently RFC 9162
 * sections 2.1.3.1 and 2.1.4.1: the hash nearest the leaves comes first. {@link ProofVerifier}
 * checks them. A consistency proof from the empty tree is not defined (RFC 9162 section 2.1.4), so
 * {@code consistencyProof(0, n)} is refused, as {@link ProofVerifier#verifyConsistency} refuses it.
 *
 * <p>Every hash handed in is copied, every hash handed out is a new array, and proofs are
 * unmodifiable lists.
 *
 * <p>Not thread-safe: confine a tree to one thread (the ledger's event loop) or guard it.
 */
public final class MerkleTree {
  // levels.get(k).get(i) is the hash of leaves [i * 2^k, (i + 1) * 2^k); level 0 is the leaves.
  private final List<HashArray> levels = new ArrayList<>();
  private final MessageDigest digest = Sha256.newDigest();

  /** An empty tree. */
  public MerkleTree() {
    levels.add(new HashArray());
  }

  /** The number of leaves. */
  public long size() {
    return levels.get(0).size();
  }

  /**
   * Appends a leaf by its hash, typically {@link Rfc6962#leafHash} of the entry.
   *
   * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
   */
  public void append(byte[] leafHash) {
    Rfc6962.requireHash(leafHash, "leafHash");
    levels.get(0).add(leafHash);
    // Each level whose count becomes even has completed a pair: hash it into the level above.
    for (int k = 0; levels.get(k).size() % 2 == 0; k++) {
      HashArray level = levels.get(k);
      if (k + 1 == levels.size()) {
        levels.add(new HashArray());
      }
      long right = level.size() - 1;
      levels.get(k + 1).addNode(digest, level, right - 1, right);
    }
  }

  /**
   * The hash of leaf {@code index}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < size()}
   */
  public byte[] leafHash(long index) {
    if (index < 0 || index >= size()) {
      throw new IllegalArgumentException(
          "leaf index " + index + " is outside the tree of " + size() + " leaves");
    }
    return levels.get(0).get(index);
  }

  /** The root of the whole tree; {@link Rfc6962#emptyRoot} when it has no leaves. */
  public byte[] root() {
    return root(size());
  }

  /**
   * The root of the tree of the first {@code size} leaves, as it was when it had that many.
   *
   * @throws IllegalArgumentException unless {@code 0 <= size <= size()}
   */
  public byte[] root(long size) {
    requireSize(size, "tree size");
    return size == 0 ? Rfc6962.emptyRoot() : subtreeHash(0, size);
  }

  /**
   * The audit path of leaf {@code index} in the tree of the first {@code size} leaves: RFC 6962's
   * {@code PATH(index, D[size])}, from the leaf's sibling up to the root's child.
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < size <= size()}
   */
  public List<byte[]> inclusionProof(long index, long size) {
    requireSize(size, "tree size");
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException(
          "leaf index " + index + " is outside the tree of " + size + " leaves");
    }
    // Walk down from the root to the leaf, taking the sibling at each split; RFC 6962 lists them
    // from the leaf up, hence the reversal.
    List<byte[]> path = new ArrayList<>();
    long start = 0;
    long end = size;
    while (end - start > 1) {
      long split = start + largestPowerOfTwoBelow(end - start);
      if (index < split) {
        path.add(subtreeHash(split, end));
        end = split;
      } else {
        path.add(subtreeHash(start, split));
        start = split;
      }
    }
    Collections.reverse(path);
    return List.copyOf(path);
  }

  /**
   * The proof that the tree of the first {@code size2} leaves extends the tree of the first {@code
   * size1}: RFC 6962's {@code PROOF(size1, D[size2])}. Empty when the sizes are equal.
   *
   * @throws IllegalArgumentException unless {@code 0 < size1 <= size2 <= size()}; the proof from an
   *     empty tree is not defined
   */
  public List<byte[]> consistencyProof(long size1, long size2) {
    requireSize(size2, "second tree size");
    if (size1 <= 0 || size1 > size2) {
      throw new IllegalArgumentException(
          "first tree size "
              + size1
              + " must be in [1, "
              + size2
              + "]: a consistency proof from the empty tree is not defined");
    }
    // SUBPROOF(size1, D[start:end], wholeOldTree), walked from the root down.
    List<byte[]> proof = new ArrayList<>();
    long start = 0;
    long end = size2;
    boolean wholeOldTree = true;
    while (end != size1) {
      long split = start + largestPowerOfTwoBelow(end - start);
      if (size1 <= split) {
        proof.add(subtreeHash(split, end));
        end = split;
      } else {
        proof.add(subtreeHash(start, split));
        start = split;
        wholeOldTree = false;
      }
    }
    // The old tree's root is known to the verifier only when the old tree is this very subtree.
    if (!wholeOldTree) {
      proof.add(subtreeHash(start, end));
    }
    Collections.reverse(proof);
    return List.copyOf(proof);
  }

  private void requireSize(long size, String what) {
    if (size < 0 || size > size()) {
      throw new IllegalArgumentException(
          what + " " + size + " is outside [0, " + size() + "], the tree's size");
    }
  }

  /**
   * MTH(D[start:end]) for a non-empty range whose start is a multiple of the smallest power of two
   * not below its length, as every range in RFC 6962's recursion is. Such a range splits into
   * complete aligned subtrees of decreasing size, all cached; fold them from the right.
   */
  private byte[] subtreeHash(long start, long end) {
    long length = end - start;
    int pieces = Long.bitCount(length);
    int[] levelOf = new int[pieces];
    long[] indexOf = new long[pieces];
    long at = start;
    for (int i = 0; i < pieces; i++) {
      int level = 63 - Long.numberOfLeadingZeros(length);
      levelOf[i] = level;
      indexOf[i] = at >>> level;
      at += 1L << level;
      length -= 1L << level;
    }
    byte[] hash = levels.get(levelOf[pieces - 1]).get(indexOf[pieces - 1]);
    for (int i = pieces - 2; i >= 0; i--) {
      digest.update(Rfc6962.NODE_PREFIX);
      levels.get(levelOf[i]).update(digest, indexOf[i]);
      digest.update(hash);
      hash = digest.digest();
    }
    return hash;
  }

  /** The largest power of two strictly below {@code n}, for {@code n >= 2}. */
  private static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }
}
