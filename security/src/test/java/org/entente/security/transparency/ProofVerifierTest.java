package org.entente.security.transparency;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.security.transparency.MerkleTreeTest.randomLeaves;
import static org.entente.security.transparency.MerkleTreeTest.treeOf;
import static org.entente.security.transparency.TestVectors.hex;
import static org.entente.security.transparency.TestVectors.hexes;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.entente.security.transparency.TestVectors.ConsistencyVector;
import org.entente.security.transparency.TestVectors.InclusionVector;
import org.junit.jupiter.api.Test;

class ProofVerifierTest {
  private static final byte[] EMPTY_ROOT = Rfc6962.emptyRoot();
  private static final byte[] OTHER =
      hex("abacaba000000000000000000000000000000000000000000060061e00123456");

  private record Inclusion(byte[] leaf, long index, long size, List<byte[]> path, byte[] root) {
    boolean verifies() {
      return ProofVerifier.verifyInclusion(leaf, index, size, path, root);
    }

    @Override
    public String toString() {
      return "Inclusion[leaf=%s, index=%d, size=%d, path=%s, root=%s]"
          .formatted(hex(leaf), index, size, hexesOf(path), hex(root));
    }

    static Inclusion of(InclusionVector v) {
      return new Inclusion(hex(v.leafHash()), v.index(), v.size(), hexes(v.path()), hex(v.root()));
    }
  }

  private record Consistency(
      long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
    boolean verifies() {
      return ProofVerifier.verifyConsistency(size1, size2, root1, root2, proof);
    }

    @Override
    public String toString() {
      return "Consistency[size1=%d, size2=%d, root1=%s, root2=%s, proof=%s]"
          .formatted(size1, size2, hex(root1), hex(root2), hexesOf(proof));
    }

    static Consistency of(ConsistencyVector v) {
      return new Consistency(
          v.size1(), v.size2(), hex(v.root1()), hex(v.root2()), hexes(v.proof()));
    }
  }

  @Test
  void verifyInclusion_knownVectors_accepts() {
    for (InclusionVector v : TestVectors.INCLUSION) {
      assertThat(Inclusion.of(v).verifies()).as("%s", v).isTrue();
    }
  }

  @Test
  void verifyConsistency_knownVectors_accepts() {
    for (ConsistencyVector v : TestVectors.CONSISTENCY) {
      assertThat(Consistency.of(v).verifies()).as("%s", v).isTrue();
    }
  }

  /** The same corruptions transparency-dev/merkle derives from each happy path in its probes. */
  @Test
  void verifyInclusion_knownVectorsCorrupted_rejectsEveryCorruption() {
    for (InclusionVector v : TestVectors.INCLUSION) {
      Inclusion good = Inclusion.of(v);
      List<Inclusion> bad = new ArrayList<>();
      bad.add(new Inclusion(hex("57726f6e674c656166"), v.index(), v.size(), good.path, good.root));
      bad.add(new Inclusion(OTHER, v.index(), v.size(), good.path, good.root));
      bad.add(new Inclusion(good.leaf, v.index(), v.size(), good.path, EMPTY_ROOT));
      bad.add(new Inclusion(good.leaf, v.index(), v.size(), good.path, OTHER));
      for (long index : new long[] {v.index() + 1, v.index() - 1, v.index() ^ 2}) {
        bad.add(new Inclusion(good.leaf, index, v.size(), good.path, good.root));
      }
      for (long size : new long[] {v.size() * 2, v.size() / 2}) {
        bad.add(new Inclusion(good.leaf, v.index(), size, good.path, good.root));
      }
      for (List<byte[]> path : corruptedPaths(good.path, good.root, good.leaf)) {
        bad.add(new Inclusion(good.leaf, v.index(), v.size(), path, good.root));
      }

      for (Inclusion probe : bad) {
        assertThat(probe.verifies()).as("%s corrupted to %s", v, probe).isFalse();
      }
    }
  }

  @Test
  void verifyConsistency_knownVectorsCorrupted_rejectsEveryCorruption() {
    for (ConsistencyVector v : TestVectors.CONSISTENCY) {
      Consistency good = Consistency.of(v);
      List<Consistency> bad = new ArrayList<>();
      for (long size1 : new long[] {v.size1() + 1, v.size1() - 1, v.size1() ^ 2}) {
        bad.add(new Consistency(size1, v.size2(), good.root1, good.root2, good.proof));
      }
      for (long size2 : new long[] {v.size2() * 2, v.size2() / 2}) {
        bad.add(new Consistency(v.size1(), size2, good.root1, good.root2, good.proof));
      }
      bad.add(new Consistency(v.size1(), v.size2(), OTHER, good.root2, good.proof));
      bad.add(new Consistency(v.size1(), v.size2(), good.root1, OTHER, good.proof));
      if (v.size1() != v.size2()) {
        bad.add(new Consistency(v.size1(), v.size2(), good.root2, good.root1, good.proof));
        bad.add(new Consistency(v.size1(), v.size2(), good.root1, good.root2, List.of()));
      }
      for (List<byte[]> proof : corruptedPaths(good.proof, good.root1, good.root2)) {
        bad.add(new Consistency(v.size1(), v.size2(), good.root1, good.root2, proof));
      }

      for (Consistency probe : bad) {
        assertThat(probe.verifies()).as("%s corrupted to %s", v, probe).isFalse();
      }
    }
  }

  @Test
  void verifyInclusion_edgeCasesFromReferenceProbes_decidesAsDocumented() {
    byte[] leaf = hex("0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc");

    // A one-leaf tree's root is its leaf hash, with an empty path.
    assertThat(ProofVerifier.verifyInclusion(leaf, 0, 1, List.of(), leaf)).isTrue();
    assertThat(ProofVerifier.verifyInclusion(new byte[0], 0, 1, List.of(), leaf)).isFalse();
    assertThat(ProofVerifier.verifyInclusion(leaf, 0, 1, List.of(), new byte[0])).isFalse();
    // The empty tree includes nothing, and an index must be below the size.
    assertThat(ProofVerifier.verifyInclusion(OTHER, 0, 0, List.of(), EMPTY_ROOT)).isFalse();
    assertThat(ProofVerifier.verifyInclusion(OTHER, 1, 0, List.of(), EMPTY_ROOT)).isFalse();
    assertThat(ProofVerifier.verifyInclusion(OTHER, 0, 1, List.of(), EMPTY_ROOT)).isFalse();
    assertThat(ProofVerifier.verifyInclusion(leaf, 2, 1, List.of(), leaf)).isFalse();
    assertThat(ProofVerifier.verifyInclusion(leaf, 1, 1, List.of(), leaf)).isFalse();
  }

  @Test
  void verifyConsistency_edgeCasesFromReferenceProbes_decidesAsDocumented() {
    byte[] root = hex(TestVectors.ROOTS.get(1));

    assertThat(ProofVerifier.verifyConsistency(1, 1, root, root, List.of())).isTrue();
    assertThat(ProofVerifier.verifyConsistency(1, 1, root, OTHER, List.of())).isFalse();
    assertThat(ProofVerifier.verifyConsistency(1, 1, root, root, List.of(root))).isFalse();
    assertThat(ProofVerifier.verifyConsistency(2, 1, root, root, List.of())).isFalse();
    assertThat(ProofVerifier.verifyConsistency(1, 0, root, root, List.of())).isFalse();
    assertThat(ProofVerifier.verifyConsistency(1, 2, root, OTHER, List.of())).isFalse();
    // transparency-dev/merkle accepts equal sizes with equal roots of any length; we want hashes.
    byte[] notAHash = "don't care 2".getBytes(US_ASCII);
    assertThat(ProofVerifier.verifyConsistency(1, 1, notAHash, notAHash, List.of())).isFalse();
  }

  @Test
  void verifyConsistency_fromEmptyTree_rejectsWhateverTheProofAndRoots() {
    byte[] root1 = hex(TestVectors.ROOTS.get(1));

    assertThat(ProofVerifier.verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, List.of())).isFalse();
    assertThat(ProofVerifier.verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, List.of(EMPTY_ROOT)))
        .isFalse();
    assertThat(ProofVerifier.verifyConsistency(0, 1, EMPTY_ROOT, root1, List.of())).isFalse();
    assertThat(ProofVerifier.verifyConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, List.of(EMPTY_ROOT)))
        .isFalse();
  }

  @Test
  void verifiers_malformedInputs_returnFalseWithoutThrowing() {
    InclusionVector iv = TestVectors.INCLUSION.get(2);
    Inclusion in = Inclusion.of(iv);
    ConsistencyVector cv = TestVectors.CONSISTENCY.get(2);
    Consistency co = Consistency.of(cv);
    List<List<byte[]>> badLists = new ArrayList<>();
    badLists.add(null);
    badLists.add(Arrays.asList(in.path.get(0), null, in.path.get(2)));
    badLists.add(List.of(in.path.get(0), new byte[31], in.path.get(2)));
    badLists.add(List.of(in.path.get(0), new byte[33], in.path.get(2)));
    badLists.add(heapPolluted(in.path));
    badLists.add(throwingList());
    List<byte[]> long1000 = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      long1000.add(in.path.get(i % 3));
    }
    badLists.add(long1000);

    for (List<byte[]> path : badLists) {
      assertThat(ProofVerifier.verifyInclusion(in.leaf, in.index, in.size, path, in.root))
          .isFalse();
      assertThat(ProofVerifier.verifyConsistency(co.size1, co.size2, co.root1, co.root2, path))
          .isFalse();
    }
    for (long size : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}) {
      for (long index : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
        assertThat(ProofVerifier.verifyInclusion(in.leaf, index, size, in.path, in.root)).isFalse();
        assertThat(ProofVerifier.verifyConsistency(index, size, co.root1, co.root2, co.proof))
            .isFalse();
      }
    }
    assertThat(ProofVerifier.verifyInclusion(null, in.index, in.size, in.path, in.root)).isFalse();
    assertThat(ProofVerifier.verifyInclusion(in.leaf, in.index, in.size, in.path, null)).isFalse();
    assertThat(ProofVerifier.verifyConsistency(co.size1, co.size2, null, co.root2, co.proof))
        .isFalse();
    assertThat(ProofVerifier.verifyConsistency(co.size1, co.size2, co.root1, null, co.proof))
        .isFalse();
    // The good inputs themselves still verify, so each rejection above is the corruption's doing.
    assertThat(in.verifies()).isTrue();
    assertThat(co.verifies()).isTrue();
  }

  @Test
  void verifyInclusion_everyProofOfRandomTreesUpTo300_acceptsAndAgreesWithReference() {
    SplittableRandom random = new SplittableRandom(1);
    MerkleTree tree = treeOf(randomLeaves(random, 300));

    for (long size = 1; size <= 300; size++) {
      byte[] root = tree.root(size);
      for (long index = 0; index < size; index++) {
        byte[] leaf = tree.leafHash(index);
        List<byte[]> path = tree.inclusionProof(index, size);
        assertThat(ProofVerifier.verifyInclusion(leaf, index, size, path, root))
            .as("PATH(%d, D[%d])", index, size)
            .isTrue();
        assertThat(Rfc6962Reference.verifyInclusion(leaf, index, size, path, root)).isTrue();
      }
    }
  }

  @Test
  void verifyConsistency_everyProofOfRandomTreesUpTo300_acceptsAndAgreesWithReference() {
    SplittableRandom random = new SplittableRandom(2);
    MerkleTree tree = treeOf(randomLeaves(random, 300));
    byte[][] roots = new byte[301][];
    for (int size = 0; size <= 300; size++) {
      roots[size] = tree.root(size);
    }

    for (int size2 = 1; size2 <= 300; size2++) {
      for (int size1 = 1; size1 <= size2; size1++) {
        List<byte[]> proof = tree.consistencyProof(size1, size2);
        assertThat(ProofVerifier.verifyConsistency(size1, size2, roots[size1], roots[size2], proof))
            .as("PROOF(%d, D[%d])", size1, size2)
            .isTrue();
        assertThat(
                Rfc6962Reference.verifyConsistency(size1, size2, roots[size1], roots[size2], proof))
            .isTrue();
      }
    }
  }

  @Test
  void verifyInclusion_sampledProofsOfRandomTreesCorrupted_rejectsEveryCorruption() {
    SplittableRandom random = new SplittableRandom(3);
    MerkleTree tree = treeOf(randomLeaves(random, 300));

    for (int sample = 0; sample < 150; sample++) {
      long size = random.nextLong(1, 301);
      long index = random.nextLong(size);
      Inclusion good =
          new Inclusion(
              tree.leafHash(index), index, size, tree.inclusionProof(index, size), tree.root(size));
      List<Inclusion> bad = new ArrayList<>();
      for (List<byte[]> path : everyByteFlipped(good.path)) {
        bad.add(new Inclusion(good.leaf, index, size, path, good.root));
      }
      for (List<byte[]> path : corruptedPaths(good.path, good.root, good.leaf)) {
        bad.add(new Inclusion(good.leaf, index, size, path, good.root));
      }
      for (List<byte[]> leaf : everyByteFlipped(List.of(good.leaf))) {
        bad.add(new Inclusion(leaf.get(0), index, size, good.path, good.root));
      }
      for (long otherIndex : new long[] {index - 1, index + 1, index ^ 1, index ^ 4, size}) {
        bad.add(new Inclusion(good.leaf, otherIndex, size, good.path, good.root));
      }
      if (size > 1) {
        bad.add(new Inclusion(good.leaf, index, size, good.path, tree.root(size - 1)));
      }
      bad.add(new Inclusion(good.leaf, index, size, good.path, tree.root(300 - size / 2)));
      List<Inclusion> resized = new ArrayList<>();
      for (long otherSize : new long[] {size - 1, size + 1, size * 2, size + 64, index}) {
        resized.add(new Inclusion(good.leaf, index, otherSize, good.path, good.root));
      }

      assertThat(good.verifies()).isTrue();
      for (Inclusion probe : bad) {
        if (isTrueProofOfAnotherLeaf(tree, probe)) {
          continue;
        }
        assertThat(probe.verifies()).as("%s corrupted to %s", good, probe).isFalse();
        assertThat(
                Rfc6962Reference.verifyInclusion(
                    probe.leaf, probe.index, probe.size, probe.path, probe.root))
            .isFalse();
      }
      for (Inclusion probe : resized) {
        assertThat(probe.verifies())
            .as("%s resized to %s", good, probe)
            .isEqualTo(
                Rfc6962Reference.verifyInclusion(
                    probe.leaf, probe.index, probe.size, probe.path, probe.root));
      }
    }
  }

  @Test
  void verifyConsistency_sampledProofsOfRandomTreesCorrupted_rejectsEveryCorruption() {
    SplittableRandom random = new SplittableRandom(4);
    MerkleTree tree = treeOf(randomLeaves(random, 300));

    for (int sample = 0; sample < 150; sample++) {
      long size2 = random.nextLong(2, 301);
      long size1 = random.nextLong(1, size2);
      Consistency good =
          new Consistency(
              size1,
              size2,
              tree.root(size1),
              tree.root(size2),
              tree.consistencyProof(size1, size2));
      List<Consistency> bad = new ArrayList<>();
      for (List<byte[]> proof : everyByteFlipped(good.proof)) {
        bad.add(new Consistency(size1, size2, good.root1, good.root2, proof));
      }
      for (List<byte[]> proof : corruptedPaths(good.proof, good.root1, good.root2)) {
        bad.add(new Consistency(size1, size2, good.root1, good.root2, proof));
      }
      bad.add(new Consistency(size1, size2, good.root2, good.root1, good.proof));
      bad.add(new Consistency(size1, size2, tree.root(size1 - 1), good.root2, good.proof));
      bad.add(new Consistency(size1, size2, good.root1, tree.root(size2 - 1), good.proof));
      List<Consistency> resized = new ArrayList<>();
      for (long other : new long[] {size1 - 1, size1 + 1, size1 ^ 1, size1 ^ 4}) {
        resized.add(new Consistency(other, size2, good.root1, good.root2, good.proof));
      }
      for (long other : new long[] {size2 - 1, size2 + 1, size2 * 2, size2 ^ 8}) {
        resized.add(new Consistency(size1, other, good.root1, good.root2, good.proof));
      }

      assertThat(good.verifies()).isTrue();
      for (Consistency probe : bad) {
        assertThat(probe.verifies()).as("%s corrupted to %s", good, probe).isFalse();
        assertThat(
                Rfc6962Reference.verifyConsistency(
                    probe.size1, probe.size2, probe.root1, probe.root2, probe.proof))
            .isFalse();
      }
      for (Consistency probe : resized) {
        assertThat(probe.verifies())
            .as("%s resized to %s", good, probe)
            .isEqualTo(
                Rfc6962Reference.verifyConsistency(
                    probe.size1, probe.size2, probe.root1, probe.root2, probe.proof));
      }
    }
  }

  /**
   * With the size and the true root fixed, a proof can only verify for another index if it is that
   * index's true proof (collision resistance pins every hash on the way down), which for these
   * random leaves happens only if two leaves are equal. The claimed size, by contrast, is not
   * pinned: leaf hashes are opaque, so the same hashes can describe a smaller or larger tree whose
   * "leaves" are our interior nodes. Resized probes are therefore checked against the reference
   * verifier rather than expected to fail.
   */
  private static boolean isTrueProofOfAnotherLeaf(MerkleTree tree, Inclusion probe) {
    if (probe.index < 0 || probe.index >= probe.size || probe.size > tree.size()) {
      return false;
    }
    return Arrays.equals(probe.leaf, tree.leafHash(probe.index))
        && Arrays.equals(probe.root, tree.root(probe.size))
        && hexesOf(probe.path).equals(hexesOf(tree.inclusionProof(probe.index, probe.size)));
  }

  private static List<String> hexesOf(List<byte[]> path) {
    return path == null ? null : TestVectors.hexStrings(path);
  }

  /** Reordered, shortened, lengthened and garbled versions of {@code path}. */
  private static List<List<byte[]>> corruptedPaths(List<byte[]> path, byte[]... extras) {
    List<List<byte[]>> out = new ArrayList<>();
    List<byte[]> insertable = new ArrayList<>(Arrays.asList(extras));
    insertable.add(OTHER);
    insertable.add(new byte[32]);
    for (int i = 0; i <= path.size(); i++) {
      int at = i;
      for (byte[] extra : insertable) {
        out.add(edit(path, p -> insert(p, at, extra)));
      }
      if (at < path.size()) {
        out.add(edit(path, p -> remove(p, at)));
        out.add(edit(path, p -> insert(p, at, p.get(at))));
      }
    }
    for (int i = 0; i + 1 < path.size(); i++) {
      int swap = i;
      if (!Arrays.equals(path.get(i), path.get(i + 1))) {
        out.add(edit(path, p -> swapped(p, swap)));
      }
    }
    if (!path.isEmpty()) {
      out.add(List.of());
      out.add(path.subList(0, path.size() - 1));
      out.add(path.subList(1, path.size()));
    }
    return out;
  }

  /** One copy of {@code path} per (element, byte), with that byte's bits inverted. */
  private static List<List<byte[]>> everyByteFlipped(List<byte[]> path) {
    List<List<byte[]>> out = new ArrayList<>();
    for (int e = 0; e < path.size(); e++) {
      for (int b = 0; b < 32; b++) {
        int element = e;
        int position = b;
        out.add(
            edit(
                path,
                p -> {
                  byte[] flipped = p.get(element).clone();
                  flipped[position] ^= (byte) 0xff;
                  p.set(element, flipped);
                  return p;
                }));
      }
    }
    return out;
  }

  private static List<byte[]> edit(List<byte[]> path, UnaryOperator<List<byte[]>> change) {
    return change.apply(new ArrayList<>(path));
  }

  private static List<byte[]> insert(List<byte[]> p, int at, byte[] hash) {
    p.add(at, hash);
    return p;
  }

  private static List<byte[]> remove(List<byte[]> p, int at) {
    p.remove(at);
    return p;
  }

  private static List<byte[]> swapped(List<byte[]> p, int at) {
    byte[] first = p.get(at);
    p.set(at, p.get(at + 1));
    p.set(at + 1, first);
    return p;
  }

  // A List<byte[]> holding a String, as an unchecked cast elsewhere could produce.
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<byte[]> heapPolluted(List<byte[]> path) {
    List raw = new ArrayList<>(path);
    raw.set(1, "not a hash");
    return raw;
  }

  private static List<byte[]> throwingList() {
    return new AbstractList<>() {
      @Override
      public byte[] get(int index) {
        throw new IllegalStateException("broken list");
      }

      @Override
      public int size() {
        return 3;
      }
    };
  }
}
