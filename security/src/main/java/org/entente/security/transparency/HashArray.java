package org.entente.security.transparency;

import static org.entente.security.transparency.Rfc6962.HASH_BYTES;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A growable array of 32-byte hashes packed into large byte arrays: one object per chunk rather
 * than per hash (a {@code byte[32]} costs 48 bytes of heap plus a reference), and no copying of
 * everything when it grows past a chunk. Not thread-safe.
 */
final class HashArray {
  private static final int CHUNK_SHIFT = 15;
  private static final int CHUNK_HASHES = 1 << CHUNK_SHIFT; // 1 MiB of hashes per chunk
  private static final int CHUNK_MASK = CHUNK_HASHES - 1;
  private static final int FIRST_CAPACITY = 4;

  // Chunk 0 grows by doubling up to CHUNK_HASHES, so the upper levels of a tree, which hold few
  // hashes, do not each reserve a whole chunk. Later chunks are allocated full.
  private byte[][] chunks = new byte[1][FIRST_CAPACITY * HASH_BYTES];
  private long size;

  long size() {
    return size;
  }

  /** Appends {@code hash[0..32)}; the caller has checked its length. */
  void add(byte[] hash) {
    System.arraycopy(hash, 0, reserve(), offset(size), HASH_BYTES);
    size++;
  }

  /** Appends {@code SHA-256(0x01 || this[left] || this[right])} of two hashes of {@code from}. */
  void addNode(MessageDigest digest, HashArray from, long left, long right) {
    digest.update(Rfc6962.NODE_PREFIX);
    from.update(digest, left);
    from.update(digest, right);
    try {
      digest.digest(reserve(), offset(size), HASH_BYTES);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 digest is not 32 bytes", e);
    }
    size++;
  }

  /** A copy of the hash at {@code index}. */
  byte[] get(long index) {
    int offset = offset(index);
    return Arrays.copyOfRange(chunk(index), offset, offset + HASH_BYTES);
  }

  /** Feeds the hash at {@code index} to {@code digest} without copying it. */
  void update(MessageDigest digest, long index) {
    digest.update(chunk(index), offset(index), HASH_BYTES);
  }

  private byte[] chunk(long index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("hash " + index + " of " + size);
    }
    return chunks[(int) (index >>> CHUNK_SHIFT)];
  }

  private static int offset(long index) {
    return (int) (index & CHUNK_MASK) * HASH_BYTES;
  }

  /** The chunk that will hold hash number {@code size}, grown or allocated as needed. */
  private byte[] reserve() {
    long chunkIndex = size >>> CHUNK_SHIFT;
    if (chunkIndex == 0) {
      byte[] first = chunks[0];
      if (offset(size) == first.length) {
        first = Arrays.copyOf(first, first.length * 2);
        chunks[0] = first;
      }
      return first;
    }
    if (chunkIndex >= Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("too many hashes: " + size);
    }
    int c = (int) chunkIndex;
    if (c == chunks.length) {
      chunks = Arrays.copyOf(chunks, c * 2);
    }
    if (chunks[c] == null) {
      chunks[c] = new byte[CHUNK_HASHES * HASH_BYTES];
    }
    return chunks[c];
  }
}
