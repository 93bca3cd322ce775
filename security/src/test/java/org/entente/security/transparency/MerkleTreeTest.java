package org.entente.security.transparency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.entente.security.transparency.TestVectors.LEAF_INPUTS;
import static org.entente.security.transparency.TestVectors.NODE_HASHES;
import static org.entente.security.transparency.TestVectors.ROOTS;
import static org.entente.security.transparency.TestVectors.hex;
import static org.entente.security.transparency.TestVectors.hexStrings;
import static org.entente.security.transparency.TestVectors.node;
import static org.entente.security.transparency.TestVectors.referenceTree;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.entente.security.transparency.TestVectors.ConsistencyVector;
import org.entente.security.transparency.TestVectors.InclusionVector;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
  @Test
  void root_growingReferenceTree_matchesKnownRootAtEverySize() {
    MerkleTree tree = new MerkleTree();
    assertThat(hex(tree.root())).isEqualTo(ROOTS.get(0));
    for (int i = 0; i < LEAF_INPUTS.size(); i++) {
      tree.append(Rfc6962.leafHash(hex(LEAF_INPUTS.get(i))));

      assertThat(tree.size()).isEqualTo(i + 1);
      assertThat(hex(tree.root())).as("root of %d leaves", i + 1).isEqualTo(ROOTS.get(i + 1));
    }
  }

  @Test
  void rootOfSize_fullReferenceTree_matchesKnownRootOfEveryEarlierSize() {
    MerkleTree tree = referenceTree(8);

    for (int size = 0; size <= 8; size++) {
      assertThat(hex(tree.root(size))).as("root(%d)", size).isEqualTo(ROOTS.get(size));
    }
  }

  @Test
  void leafHash_referenceTree_matchesKnownLeafHashes() {
    MerkleTree tree = referenceTree(8);

    for (int i = 0; i < 8; i++) {
      assertThat(hex(tree.leafHash(i))).isEqualTo(NODE_HASHES.get(0).get(i));
    }
  }

  @Test
  void inclusionProof_knownVectors_matchTranscribedPaths() {
    MerkleTree tree = referenceTree(8);

    for (InclusionVector v : TestVectors.INCLUSION) {
      assertThat(hexStrings(tree.inclusionProof(v.index(), v.size())))
          .as("PATH(%d, D[%d])", v.index(), v.size())
          .isEqualTo(v.path());
      assertThat(hex(tree.leafHash(v.index()))).isEqualTo(v.leafHash());
      assertThat(hex(tree.root(v.size()))).isEqualTo(v.root());
    }
  }

  @Test
  void consistencyProof_knownVectors_matchTranscribedProofs() {
    MerkleTree tree = referenceTree(8);

    for (ConsistencyVector v : TestVectors.CONSISTENCY) {
      assertThat(hexStrings(tree.consistencyProof(v.size1(), v.size2())))
          .as("PROOF(%d, D[%d])", v.size1(), v.size2())
          .isEqualTo(v.proof());
    }
  }

  /**
   * RFC 6962 section 2.1.3's example tree of seven leaves d0..d6 with leaf hashes a..f, j, level
   * one nodes g, h, i, k = [0, 4) and l = hash(i, j).
   */
  @Test
  void proofs_rfc6962ExampleTreeOfSeven_matchTheRfcsExamples() {
    MerkleTree tree = referenceTree(7);
    byte[] a = node(0, 0);
    byte[] b = node(0, 1);
    byte[] c = node(0, 2);
    byte[] d = node(0, 3);
    byte[] f = node(0, 5);
    byte[] j = node(0, 6);
    byte[] g = node(1, 0);
    byte[] h = node(1, 1);
    byte[] i = node(1, 2);
    byte[] k = node(2, 0);
    byte[] l = Rfc6962.nodeHash(i, j);
    assertThat(tree.root()).isEqualTo(Rfc6962.nodeHash(k, l));
    assertThat(tree.leafHash(0)).isEqualTo(a);

    assertThat(tree.inclusionProof(0, 7)).containsExactly(b, h, l);
    assertThat(tree.inclusionProof(3, 7)).containsExactly(c, g, l);
    assertThat(tree.inclusionProof(4, 7)).containsExactly(f, j, k);
    assertThat(tree.inclusionProof(6, 7)).containsExactly(i, k);

    assertThat(tree.consistencyProof(3, 7)).containsExactly(c, d, g, l);
    assertThat(tree.consistencyProof(4, 7)).containsExactly(l);
    assertThat(tree.consistencyProof(6, 7)).containsExactly(i, j, k);
  }

  @Test
  void root_randomLeaves_matchesNaiveRecursiveMthForEverySizeUpTo200() {
    List<byte[]> leaves = randomLeaves(new SplittableRandom(6962), 200);
    MerkleTree tree = treeOf(leaves);

    for (int size = 0; size <= 200; size++) {
      assertThat(hex(tree.root(size)))
          .as("root(%d)", size)
          .isEqualTo(hex(Rfc6962Reference.mth(leaves.subList(0, size))));
    }
  }

  @Test
  void proofs_randomLeaves_matchNaiveRecursivePathAndProofForAllSmallTrees() {
    List<byte[]> leaves = randomLeaves(new SplittableRandom(9162), 48);
    MerkleTree tree = treeOf(leaves);

    for (int size = 1; size <= leaves.size(); size++) {
      List<byte[]> prefix = leaves.subList(0, size);
      for (int index = 0; index < size; index++) {
        assertThat(hexStrings(tree.inclusionProof(index, size)))
            .as("PATH(%d, D[%d])", index, size)
            .isEqualTo(hexStrings(Rfc6962Reference.path(index, prefix)));
      }
      for (int size1 = 1; size1 <= size; size1++) {
        assertThat(hexStrings(tree.consistencyProof(size1, size)))
            .as("PROOF(%d, D[%d])", size1, size)
            .isEqualTo(hexStrings(Rfc6962Reference.proof(size1, prefix)));
      }
    }
  }

  @Test
  void proofs_randomLeaves_matchNaiveRecursivePathAndProofForRandomQueriesUpTo300() {
    SplittableRandom random = new SplittableRandom(2024);
    List<byte[]> leaves = randomLeaves(random, 300);
    MerkleTree tree = treeOf(leaves);

    for (int query = 0; query < 300; query++) {
      int size = random.nextInt(1, 301);
      int index = random.nextInt(size);
      int size1 = random.nextInt(1, size + 1);
      List<byte[]> prefix = leaves.subList(0, size);
      assertThat(hexStrings(tree.inclusionProof(index, size)))
          .isEqualTo(hexStrings(Rfc6962Reference.path(index, prefix)));
      assertThat(hexStrings(tree.consistencyProof(size1, size)))
          .isEqualTo(hexStrings(Rfc6962Reference.proof(size1, prefix)));
    }
  }

  @Test
  void consistencyProof_equalSizes_isEmpty() {
    MerkleTree tree = referenceTree(5);

    assertThat(tree.consistencyProof(5, 5)).isEmpty();
    assertThat(tree.consistencyProof(3, 3)).isEmpty();
  }

  @Test
  void append_leafHashOfWrongLength_throwsAndLeavesTreeUnchanged() {
    MerkleTree tree = referenceTree(3);

    assertThatThrownBy(() -> tree.append(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31 bytes");
    assertThatThrownBy(() -> tree.append(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
    assertThat(tree.size()).isEqualTo(3);
    assertThat(hex(tree.root())).isEqualTo(ROOTS.get(3));
  }

  @Test
  void append_callerMutatesItsArrayAfterwards_treeKeepsItsCopy() {
    byte[] leaf = Rfc6962.leafHash(new byte[0]);
    MerkleTree tree = new MerkleTree();
    tree.append(leaf);

    leaf[0] ^= 1;

    assertThat(hex(tree.root())).isEqualTo(ROOTS.get(1));
  }

  @Test
  void returnedHashes_mutatedByCaller_doNotChangeTheTree() {
    MerkleTree tree = referenceTree(8);

    tree.root()[0] ^= 1;
    tree.leafHash(0)[0] ^= 1;
    tree.inclusionProof(0, 8).get(0)[0] ^= 1;

    assertThat(hex(tree.root())).isEqualTo(ROOTS.get(8));
    assertThat(hex(tree.leafHash(0))).isEqualTo(NODE_HASHES.get(0).get(0));
    assertThat(hexStrings(tree.inclusionProof(0, 8)))
        .isEqualTo(TestVectors.INCLUSION.get(1).path());
  }

  @Test
  void proofs_returnedLists_areUnmodifiable() {
    MerkleTree tree = referenceTree(8);

    assertThatThrownBy(() -> tree.inclusionProof(0, 8).clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> tree.consistencyProof(3, 8).clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rootOfSize_outOfRange_throws() {
    MerkleTree tree = referenceTree(4);

    assertThatThrownBy(() -> tree.root(5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tree size 5 is outside [0, 4], the tree's size");
    assertThatThrownBy(() -> tree.root(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void leafHash_outOfRange_throws() {
    MerkleTree tree = referenceTree(4);

    assertThatThrownBy(() -> tree.leafHash(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leaf index 4 is outside the tree of 4 leaves");
    assertThatThrownBy(() -> tree.leafHash(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void inclusionProof_outOfRange_throws() {
    MerkleTree tree = referenceTree(4);

    assertThatThrownBy(() -> tree.inclusionProof(3, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leaf index 3 is outside the tree of 3 leaves");
    assertThatThrownBy(() -> tree.inclusionProof(-1, 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.inclusionProof(0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.inclusionProof(0, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tree size 5");
  }

  @Test
  void consistencyProof_fromEmptyTree_throws() {
    MerkleTree tree = referenceTree(4);

    assertThatThrownBy(() -> tree.consistencyProof(0, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from the empty tree is not defined");
    assertThatThrownBy(() -> tree.consistencyProof(0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void consistencyProof_outOfRange_throws() {
    MerkleTree tree = referenceTree(4);

    assertThatThrownBy(() -> tree.consistencyProof(3, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("first tree size 3 must be in [1, 2]");
    assertThatThrownBy(() -> tree.consistencyProof(2, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("second tree size 5");
    assertThatThrownBy(() -> tree.consistencyProof(-1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Two million leaves cross the hash store's chunk boundaries on the lowest levels; the compact
   * range is an independent way to the same root.
   */
  @Test
  void tree_twoMillionLeaves_rootAndProofsAgreeWithCompactRangeAndVerifier() {
    SplittableRandom random = new SplittableRandom(42);
    int size = 2_000_003;
    MerkleTree tree = new MerkleTree();
    CompactRange range = new CompactRange();
    byte[] leaf = new byte[32];
    byte[] rootAtMillion = null;
    for (int i = 0; i < size; i++) {
      random.nextBytes(leaf);
      tree.append(leaf);
      range.append(leaf);
      if (i + 1 == 1_000_000) {
        rootAtMillion = range.root();
      }
    }

    byte[] root = tree.root();
    assertThat(tree.size()).isEqualTo(size);
    assertThat(root).isEqualTo(range.root());
    assertThat(tree.root(1_000_000)).isEqualTo(rootAtMillion);
    assertThat(tree.inclusionProof(0, size)).hasSize(21);
    for (long index : new long[] {0, 32_767, 32_768, 1_048_575, 1_048_576, size - 1}) {
      List<byte[]> path = tree.inclusionProof(index, size);
      assertThat(ProofVerifier.verifyInclusion(tree.leafHash(index), index, size, path, root))
          .as("inclusion of %d", index)
          .isTrue();
    }
    List<byte[]> proof = tree.consistencyProof(1_000_000, size);
    assertThat(ProofVerifier.verifyConsistency(1_000_000, size, rootAtMillion, root, proof))
        .isTrue();
  }

  static List<byte[]> randomLeaves(SplittableRandom random, int count) {
    List<byte[]> leaves = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] data = new byte[random.nextInt(0, 40)];
      random.nextBytes(data);
      leaves.add(Rfc6962.leafHash(data));
    }
    return leaves;
  }

  static MerkleTree treeOf(List<byte[]> leaves) {
    MerkleTree tree = new MerkleTree();
    leaves.forEach(tree::append);
    return tree;
  }
}
