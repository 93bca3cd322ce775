package org.entente.security.transparency;

import java.util.HexFormat;
import java.util.List;

/**
 * Known answers for RFC 6962 over SHA-256, transcribed as hex from the test data of
 * github.com/transparency-dev/merkle (testonly/constants.go, the happy-path probes under
 * testdata/inclusion and testdata/consistency, and rfc6962/rfc6962_test.go), which implement the
 * same RFC independently of us.
 */
final class TestVectors {
  private TestVectors() {}

  /** The eight leaf inputs (not hashes) of the reference tree. */
  static final List<String> LEAF_INPUTS =
      List.of(
          "",
          "00",
          "10",
          "2021",
          "3031",
          "40414243",
          "5051525354555657",
          "606162636465666768696a6b6c6d6e6f");

  /**
   * The hashes of every complete subtree of the eight-leaf tree: {@code NODE_HASHES.get(level)
   * .get(i)} covers leaves [i * 2^level, (i + 1) * 2^level). Level 0 is the leaf hashes.
   */
  static final List<List<String>> NODE_HASHES =
      List.of(
          List.of(
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
              "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
          List.of(
              "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
          List.of(
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
          List.of("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"));

  /** Roots of the trees of the first 0..8 leaves. */
  static final List<String> ROOTS =
      List.of(
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

  /** An inclusion proof that verifies. */
  record InclusionVector(long index, long size, String leafHash, List<String> path, String root) {}

  /** A consistency proof that verifies. */
  record ConsistencyVector(
      long size1, long size2, String root1, String root2, List<String> proof) {}

  static final List<InclusionVector> INCLUSION =
      List.of(
          new InclusionVector(
              0,
              1,
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              List.of(),
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
          new InclusionVector(
              0,
              8,
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              List.of(
                  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
              "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
          new InclusionVector(
              5,
              8,
              "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
              List.of(
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
              "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
          new InclusionVector(
              2,
              3,
              "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
              List.of("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
              "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
          new InclusionVector(
              1,
              5,
              "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              List.of(
                  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
              "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"));

  static final List<ConsistencyVector> CONSISTENCY =
      List.of(
          new ConsistencyVector(
              1,
              1,
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              List.of()),
          new ConsistencyVector(
              1,
              8,
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
              List.of(
                  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
          new ConsistencyVector(
              6,
              8,
              "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
              "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
              List.of(
                  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
          new ConsistencyVector(
              2,
              5,
              "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
              "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
              List.of(
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
          new ConsistencyVector(
              6,
              7,
              "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
              "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
              List.of(
                  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")));

  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  static List<byte[]> hexes(List<String> hexes) {
    return hexes.stream().map(TestVectors::hex).toList();
  }

  static List<String> hexStrings(List<byte[]> hashes) {
    return hashes.stream().map(TestVectors::hex).toList();
  }

  static byte[] node(int level, int index) {
    return hex(NODE_HASHES.get(level).get(index));
  }

  /** A tree of the first {@code size} reference leaves. */
  static MerkleTree referenceTree(int size) {
    MerkleTree tree = new MerkleTree();
    for (int i = 0; i < size; i++) {
      tree.append(Rfc6962.leafHash(hex(LEAF_INPUTS.get(i))));
    }
    return tree;
  }
}
