package org.entente.security.transparency;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link ProofVerifier}. The fuzzer picks sizes, indexes, hashes and
 * edits to true proofs of a real 300-leaf tree, and each run checks that
 *
 * <ol>
 *   <li>nothing escapes the verifier (an exception is a finding),
 *   <li>it agrees with {@link Rfc6962Reference}, written from RFC 6962's recursive definitions
 *       rather than RFC 9162's loop, on every input, and
 *   <li>against the real tree's root for the claimed size it accepts only the true proof: any other
 *       accepted proof would be a SHA-256 second preimage.
 * </ol>
 *
 * <p>In the default test run the two methods only replay their seeds: the empty input (the true
 * proof of the first leaf) and the files in {@code ProofVerifierFuzzTestInputs/<method>/} beside
 * this class, which the pom copies onto the test classpath; they were picked from a fuzzing run's
 * corpus. The security module's pom then runs each method again in its own JVM with {@code
 * JAZZER_FUZZ=1}, where Jazzer fuzzes it for {@code maxDuration} (Jazzer fuzzes one test per JVM).
 * Its corpus and any crashing input go to {@code target/jazzer/}; to replay a crash, copy it into
 * the inputs folder of its method and run the test.
 */
class ProofVerifierFuzzTest {
  private static final int TREE_SIZE = 300;
  private static final MerkleTree TREE = new MerkleTree();
  private static final byte[][] ROOTS = new byte[TREE_SIZE + 1][];

  static {
    for (int i = 0; i < TREE_SIZE; i++) {
      TREE.append(Rfc6962.leafHash(Integer.toString(i).getBytes(US_ASCII)));
    }
    for (int size = 0; size <= TREE_SIZE; size++) {
      ROOTS[size] = TREE.root(size);
    }
  }

  @FuzzTest(maxDuration = "5s")
  void verifyInclusion_fuzzedProof_neverThrowsAndAcceptsOnlyTheTrueProof(FuzzedDataProvider data) {
    long size = pickSize(data);
    long index = pickIndex(data, size);
    boolean real = inTree(size) && 0 <= index && index < size;
    byte[] leaf = pickHash(data, real ? TREE.leafHash(index) : null);
    List<byte[]> path = edit(data, real ? TREE.inclusionProof(index, size) : List.of());
    byte[] root = pickHash(data, inTree(size) ? ROOTS[(int) size] : null);

    boolean accepted = ProofVerifier.verifyInclusion(leaf, index, size, path, root);

    boolean expected = Rfc6962Reference.verifyInclusion(leaf, index, size, path, root);
    if (accepted != expected) {
      throw new AssertionError(
          "verifier says "
              + accepted
              + ", reference says "
              + expected
              + " for index "
              + index
              + " of "
              + size);
    }
    if (accepted && inTree(size) && Arrays.equals(root, ROOTS[(int) size])) {
      if (!Arrays.equals(leaf, TREE.leafHash(index))
          || !samePath(path, TREE.inclusionProof(index, size))) {
        throw new AssertionError("accepted a forged inclusion of " + index + " in " + size);
      }
    }
  }

  @FuzzTest(maxDuration = "5s")
  void verifyConsistency_fuzzedProof_neverThrowsAndAcceptsOnlyTheTrueProof(
      FuzzedDataProvider data) {
    long size2 = pickSize(data);
    long size1 = pickIndex(data, size2 + 1);
    boolean real = inTree(size2) && 1 <= size1 && size1 <= size2;
    List<byte[]> proof = edit(data, real ? TREE.consistencyProof(size1, size2) : List.of());
    byte[] root1 = pickHash(data, inTree(size1) ? ROOTS[(int) size1] : null);
    byte[] root2 = pickHash(data, inTree(size2) ? ROOTS[(int) size2] : null);

    boolean accepted = ProofVerifier.verifyConsistency(size1, size2, root1, root2, proof);

    boolean expected = Rfc6962Reference.verifyConsistency(size1, size2, root1, root2, proof);
    if (accepted != expected) {
      throw new AssertionError(
          "verifier says "
              + accepted
              + ", reference says "
              + expected
              + " for "
              + size1
              + " -> "
              + size2);
    }
    if (accepted
        && inTree(size1)
        && inTree(size2)
        && Arrays.equals(root1, ROOTS[(int) size1])
        && Arrays.equals(root2, ROOTS[(int) size2])
        && !samePath(proof, TREE.consistencyProof(size1, size2))) {
      throw new AssertionError("accepted a forged consistency proof " + size1 + " -> " + size2);
    }
  }

  private static boolean inTree(long size) {
    return 1 <= size && size <= TREE_SIZE;
  }

  /** Mostly a size of the real tree, sometimes anything, including the extremes. */
  private static long pickSize(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 9)) {
      case 7 -> data.consumeLong();
      case 8 -> data.consumeLong(-2, 2);
      case 9 -> Long.MAX_VALUE - data.consumeInt(0, 2);
      default -> data.consumeLong(1, TREE_SIZE);
    };
  }

  /** Mostly a value in [0, bound), sometimes just outside it or anything. */
  private static long pickIndex(FuzzedDataProvider data, long bound) {
    return switch (data.consumeInt(0, 9)) {
      case 7 -> data.consumeLong();
      case 8 -> bound + data.consumeInt(-2, 2);
      default -> bound > 0 ? data.consumeLong(0, bound - 1) : data.consumeLong(-2, 2);
    };
  }

  /** Mostly {@code truth}, else a near miss, another real hash, garbage or null. */
  private static byte[] pickHash(FuzzedDataProvider data, byte[] truth) {
    int choice = data.consumeInt(0, 9);
    if (truth != null && choice <= 5) {
      return truth;
    }
    return switch (choice) {
      case 6 -> truth == null ? realHash(data) : flipBit(data, truth);
      case 7 -> realHash(data);
      case 8 -> null;
      default -> data.consumeBytes(40);
    };
  }

  /** A hash that occurs in the real tree: a leaf or a root of some size. */
  private static byte[] realHash(FuzzedDataProvider data) {
    int k = data.consumeInt(0, TREE_SIZE - 1);
    return data.consumeBoolean() ? TREE.leafHash(k) : ROOTS[k + 1];
  }

  private static byte[] flipBit(FuzzedDataProvider data, byte[] hash) {
    byte[] copy = hash.clone();
    int bit = data.consumeInt(0, copy.length * 8 - 1);
    copy[bit / 8] ^= (byte) (1 << (bit % 8));
    return copy;
  }

  /** {@code proof} after a few fuzzer-chosen edits. */
  private static List<byte[]> edit(FuzzedDataProvider data, List<byte[]> proof) {
    // Exhausted input yields each range's minimum, so 0 keeps the true proof: short inputs stay
    // meaningful.
    if (data.consumeInt(0, 31) == 31) {
      return null;
    }
    List<byte[]> out = new ArrayList<>(proof);
    int edits = data.consumeInt(0, 4);
    for (int i = 0; i < edits; i++) {
      int at = data.consumeInt(0, out.size());
      boolean onElement = at < out.size();
      switch (data.consumeInt(0, 6)) {
        case 0 -> {
          if (onElement && out.get(at) != null && out.get(at).length > 0) {
            out.set(at, flipBit(data, out.get(at)));
          }
        }
        case 1 -> {
          if (onElement) {
            out.set(at, realHash(data));
          }
        }
        case 2 -> out.add(at, realHash(data));
        case 3 -> {
          if (onElement) {
            out.remove(at);
          }
        }
        case 4 -> {
          int other = data.consumeInt(0, Math.max(0, out.size() - 1));
          if (onElement && other < out.size()) {
            byte[] swapped = out.get(at);
            out.set(at, out.get(other));
            out.set(other, swapped);
          }
        }
        case 5 -> out.add(at, data.consumeBoolean() ? null : data.consumeBytes(40));
        default -> {
          if (onElement) {
            out.add(at, out.get(at));
          }
        }
      }
    }
    return out;
  }

  private static boolean samePath(List<byte[]> a, List<byte[]> b) {
    if (a == null || a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }
}
