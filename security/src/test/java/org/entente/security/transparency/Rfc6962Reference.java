package org.entente.security.transparency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 6962 section 2.1 transcribed as literally as possible, recursion and all: slow (every call
 * rehashes its whole range) but easy to check against the RFC's text, so the fast code is tested
 * against it. Also a verifier written from the same recursive definitions rather than from RFC
 * 9162's bit-twiddling algorithm, for differential tests of {@link ProofVerifier}.
 */
final class Rfc6962Reference {
  private Rfc6962Reference() {}

  /** MTH(D[n]) over leaf hashes (the leaves are already hashed). */
  static byte[] mth(List<byte[]> leaves) {
    int n = leaves.size();
    if (n == 0) {
      return Rfc6962.emptyRoot();
    }
    if (n == 1) {
      return leaves.get(0).clone();
    }
    int k = largestPowerOfTwoBelow(n);
    return Rfc6962.nodeHash(mth(leaves.subList(0, k)), mth(leaves.subList(k, n)));
  }

  /** PATH(m, D[n]). */
  static List<byte[]> path(int m, List<byte[]> leaves) {
    int n = leaves.size();
    List<byte[]> out = new ArrayList<>();
    if (n == 1) {
      return out;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m < k) {
      out.addAll(path(m, leaves.subList(0, k)));
      out.add(mth(leaves.subList(k, n)));
    } else {
      out.addAll(path(m - k, leaves.subList(k, n)));
      out.add(mth(leaves.subList(0, k)));
    }
    return out;
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m <= n. */
  static List<byte[]> proof(int m, List<byte[]> leaves) {
    return subproof(m, leaves, true);
  }

  private static List<byte[]> subproof(int m, List<byte[]> leaves, boolean b) {
    int n = leaves.size();
    List<byte[]> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(mth(leaves));
      }
      return out;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      out.addAll(subproof(m, leaves.subList(0, k), b));
      out.add(mth(leaves.subList(k, n)));
    } else {
      out.addAll(subproof(m - k, leaves.subList(k, n), false));
      out.add(mth(leaves.subList(0, k)));
    }
    return out;
  }

  /**
   * Recomputes the root from a PATH by undoing its recursion: the last element is the sibling at
   * the top split. False also when the path has the wrong length for PATH(index, D[size]).
   */
  static boolean verifyInclusion(
      byte[] leafHash, long index, long size, List<byte[]> path, byte[] root) {
    if (!wellFormed(path) || !isHash(leafHash) || !isHash(root) || index < 0 || index >= size) {
      return false;
    }
    int[] used = {path.size()};
    byte[] computed = rootFromPath(leafHash, index, size, path, used);
    return computed != null && used[0] == 0 && Arrays.equals(computed, root);
  }

  // Consumes path from the end (used[0] is how many elements remain).
  private static byte[] rootFromPath(
      byte[] leafHash, long m, long n, List<byte[]> path, int[] used) {
    if (n == 1) {
      return leafHash;
    }
    if (used[0] == 0) {
      return null;
    }
    byte[] sibling = path.get(--used[0]);
    long k = Long.highestOneBit(n - 1);
    if (m < k) {
      byte[] left = rootFromPath(leafHash, m, k, path, used);
      return left == null ? null : Rfc6962.nodeHash(left, sibling);
    }
    byte[] right = rootFromPath(leafHash, m - k, n - k, path, used);
    return right == null ? null : Rfc6962.nodeHash(sibling, right);
  }

  /**
   * Recomputes both roots from a PROOF by undoing SUBPROOF's recursion. Refuses size1 == 0, as
   * {@link ProofVerifier} documents.
   */
  static boolean verifyConsistency(
      long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    if (!wellFormed(proof) || !isHash(root1) || !isHash(root2) || size1 <= 0 || size2 < size1) {
      return false;
    }
    int[] used = {proof.size()};
    byte[][] roots = subtreeRoots(size1, size2, true, root1, proof, used);
    return roots != null
        && used[0] == 0
        && Arrays.equals(roots[0], root1)
        && Arrays.equals(roots[1], root2);
  }

  // {old subtree root, new subtree root} for SUBPROOF(m, D[n], b); consumes proof from the end.
  private static byte[][] subtreeRoots(
      long m, long n, boolean b, byte[] root1, List<byte[]> proof, int[] used) {
    if (m == n) {
      if (b) {
        return new byte[][] {root1, root1};
      }
      if (used[0] == 0) {
        return null;
      }
      byte[] node = proof.get(--used[0]);
      return new byte[][] {node, node};
    }
    if (used[0] == 0) {
      return null;
    }
    byte[] sibling = proof.get(--used[0]);
    long k = Long.highestOneBit(n - 1);
    if (m <= k) {
      byte[][] left = subtreeRoots(m, k, b, root1, proof, used);
      return left == null ? null : new byte[][] {left[0], Rfc6962.nodeHash(left[1], sibling)};
    }
    byte[][] right = subtreeRoots(m - k, n - k, false, root1, proof, used);
    return right == null
        ? null
        : new byte[][] {Rfc6962.nodeHash(sibling, right[0]), Rfc6962.nodeHash(sibling, right[1])};
  }

  private static boolean wellFormed(List<byte[]> path) {
    return path != null && path.stream().allMatch(Rfc6962Reference::isHash);
  }

  private static boolean isHash(byte[] bytes) {
    return bytes != null && bytes.length == 32;
  }

  private static int largestPowerOfTwoBelow(int n) {
    return Integer.highestOneBit(n - 1);
  }
}
