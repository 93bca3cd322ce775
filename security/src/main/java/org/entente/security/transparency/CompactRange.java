package org.entente.security.transparency;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of an RFC 6962 tree: the roots of its complete subtrees, one per set bit of the
 * size, largest (leftmost) first. That is all a witness needs to keep to extend the tree leaf by
 * leaf and recompute its root, O(log n) hashes instead of n. Its {@link #root} equals {@link
 * MerkleTree#root()} over the same leaves.
 *
 * <p>For a size of 6 (binary 110) the hashes are those of leaves [0, 4) and [4, 6).
 *
 * <p>Every hash handed in is copied and every hash handed out is a new array.
 *
 * <p>Not thread-safe.
 */
public final class CompactRange {
  private final List<byte[]> hashes;
  private long size;

  /** The range of the empty tree. */
  public CompactRange() {
    this(0, new ArrayList<>());
  }

  private CompactRange(long size, List<byte[]> hashes) {
    this.size = size;
    this.hashes = hashes;
  }

  /**
   * Restores a range from {@link #size()} and {@link #hashes()}.
   *
   * @throws IllegalArgumentException if {@code size} is negative, or {@code hashes} is not {@code
   *     Long.bitCount(size)} hashes of 32 bytes
   */
  public static CompactRange of(long size, List<byte[]> hashes) {
    if (size < 0) {
      throw new IllegalArgumentException("size " + size + " is negative");
    }
    if (hashes == null) {
      throw new IllegalArgumentException("hashes is null");
    }
    if (hashes.size() != Long.bitCount(size)) {
      throw new IllegalArgumentException(
          "a range of size "
              + size
              + " has "
              + Long.bitCount(size)
              + " hashes, one per set bit, not "
              + hashes.size());
    }
    List<byte[]> copies = new ArrayList<>(hashes.size() + 1);
    for (int i = 0; i < hashes.size(); i++) {
      copies.add(Rfc6962.requireHash(hashes.get(i), "hash " + i).clone());
    }
    return new CompactRange(size, copies);
  }

  /** The number of leaves covered. */
  public long size() {
    return size;
  }

  /**
   * Appends a leaf by its hash.
   *
   * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
   * @throws IllegalStateException if the range already has {@code Long.MAX_VALUE} leaves
   */
  public void append(byte[] leafHash) {
    Rfc6962.requireHash(leafHash, "leafHash");
    if (size == Long.MAX_VALUE) {
      throw new IllegalStateException("the range is full");
    }
    // Like binary increment: each trailing one bit of the size is a subtree of the new leaf's
    // height that the new leaf completes into one twice as large.
    byte[] hash = leafHash.clone();
    for (long s = size; (s & 1) == 1; s >>>= 1) {
      hash = Rfc6962.nodeHash(hashes.remove(hashes.size() - 1), hash);
    }
    hashes.add(hash);
    size++;
  }

  /** The root of the tree covered; {@link Rfc6962#emptyRoot} when empty. */
  public byte[] root() {
    if (hashes.isEmpty()) {
      return Rfc6962.emptyRoot();
    }
    byte[] hash = hashes.get(hashes.size() - 1).clone();
    for (int i = hashes.size() - 2; i >= 0; i--) {
      hash = Rfc6962.nodeHash(hashes.get(i), hash);
    }
    return hash;
  }

  /** Copies of the subtree roots, largest (leftmost) first, for {@link #of}; unmodifiable. */
  public List<byte[]> hashes() {
    List<byte[]> copies = new ArrayList<>(hashes.size());
    for (byte[] hash : hashes) {
      copies.add(hash.clone());
    }
    return List.copyOf(copies);
  }
}
