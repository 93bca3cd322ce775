package org.entente.security.transparency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.entente.security.transparency.MerkleTreeTest.randomLeaves;
import static org.entente.security.transparency.MerkleTreeTest.treeOf;
import static org.entente.security.transparency.TestVectors.LEAF_INPUTS;
import static org.entente.security.transparency.TestVectors.ROOTS;
import static org.entente.security.transparency.TestVectors.hex;
import static org.entente.security.transparency.TestVectors.hexStrings;
import static org.entente.security.transparency.TestVectors.node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CompactRangeTest {
  @Test
  void emptyRange_hasEmptyRootAndNoHashes() {
    CompactRange range = new CompactRange();

    assertThat(range.size()).isZero();
    assertThat(range.hashes()).isEmpty();
    assertThat(hex(range.root())).isEqualTo(ROOTS.get(0));
  }

  @Test
  void hashes_referenceLeaves_matchKnownRightEdgeAtEverySize() {
    // transparency-dev/merkle testonly.CompactTrees(), as (level, index) of the node hashes.
    List<List<byte[]>> expected =
        List.of(
            List.of(),
            List.of(node(0, 0)),
            List.of(node(1, 0)),
            List.of(node(1, 0), node(0, 2)),
            List.of(node(2, 0)),
            List.of(node(2, 0), node(0, 4)),
            List.of(node(2, 0), node(1, 2)),
            List.of(node(2, 0), node(1, 2), node(0, 6)),
            List.of(node(3, 0)));
    CompactRange range = new CompactRange();
    for (int size = 0; size <= 8; size++) {
      assertThat(hexStrings(range.hashes()))
          .as("right edge at size %d", size)
          .isEqualTo(hexStrings(expected.get(size)));
      assertThat(hex(range.root())).as("root at size %d", size).isEqualTo(ROOTS.get(size));
      if (size < 8) {
        range.append(Rfc6962.leafHash(hex(LEAF_INPUTS.get(size))));
      }
    }
  }

  @Test
  void root_randomLeaves_equalsMerkleTreeRootAtEverySizeUpTo300() {
    List<byte[]> leaves = randomLeaves(new SplittableRandom(300), 300);
    MerkleTree tree = treeOf(leaves);
    CompactRange range = new CompactRange();

    for (int size = 1; size <= 300; size++) {
      range.append(leaves.get(size - 1));

      assertThat(range.size()).isEqualTo(size);
      assertThat(range.hashes()).hasSize(Long.bitCount(size));
      assertThat(hex(range.root())).as("root at size %d", size).isEqualTo(hex(tree.root(size)));
    }
  }

  @Test
  void of_hashesOfEverySize_restoresARangeThatContinuesLikeTheOriginal() {
    List<byte[]> leaves = randomLeaves(new SplittableRandom(7), 70);
    byte[] finalRoot = treeOf(leaves).root();
    CompactRange original = new CompactRange();

    for (int size = 0; size <= 70; size++) {
      CompactRange restored = CompactRange.of(original.size(), original.hashes());
      assertThat(restored.size()).isEqualTo(size);
      assertThat(restored.root()).isEqualTo(original.root());
      assertThat(hexStrings(restored.hashes())).isEqualTo(hexStrings(original.hashes()));
      leaves.subList(size, 70).forEach(restored::append);
      assertThat(restored.root()).as("restored at %d, then extended", size).isEqualTo(finalRoot);
      if (size < 70) {
        original.append(leaves.get(size));
      }
    }
  }

  @Test
  void of_wrongNumberOfHashes_throws() {
    List<byte[]> two = List.of(new byte[32], new byte[32]);

    assertThatThrownBy(() -> CompactRange.of(4, two))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a range of size 4 has 1 hashes, one per set bit, not 2");
    assertThatThrownBy(() -> CompactRange.of(7, two)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CompactRange.of(0, two)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void of_hashOfWrongLengthOrNull_throws() {
    List<byte[]> withNull = new ArrayList<>(Arrays.asList(new byte[32], null));

    assertThatThrownBy(() -> CompactRange.of(3, List.of(new byte[32], new byte[33])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hash 1 is 33 bytes, not 32");
    assertThatThrownBy(() -> CompactRange.of(3, withNull))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hash 1 is null");
  }

  @Test
  void of_negativeSizeOrNullList_throws() {
    assertThatThrownBy(() -> CompactRange.of(-1, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> CompactRange.of(0, null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void of_largestSize_acceptsAndReportsIt() {
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < 63; i++) {
      hashes.add(new byte[32]);
    }

    CompactRange range = CompactRange.of(Long.MAX_VALUE, hashes);

    assertThat(range.size()).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> range.append(new byte[32])).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void hashes_mutatedByCallerBeforeOrAfter_doNotChangeTheRange() {
    byte[] leaf = Rfc6962.leafHash(new byte[0]);
    CompactRange range = new CompactRange();
    range.append(leaf);
    leaf[0] ^= 1;
    range.hashes().get(0)[0] ^= 1;
    List<byte[]> persisted = new ArrayList<>(List.of(range.hashes().get(0)));
    CompactRange restored = CompactRange.of(1, persisted);
    persisted.get(0)[0] ^= 1;

    assertThat(hex(range.root())).isEqualTo(ROOTS.get(1));
    assertThat(hex(restored.root())).isEqualTo(ROOTS.get(1));
  }

  @Test
  void append_leafHashOfWrongLength_throws() {
    CompactRange range = new CompactRange();

    assertThatThrownBy(() -> range.append(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leafHash is 0 bytes, not 32");
    assertThat(range.size()).isZero();
  }
}
