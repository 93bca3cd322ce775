package org.entente.bench;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.entente.security.Sha256;
import org.entente.security.transparency.MerkleTree;
import org.entente.security.transparency.ProofVerifier;
import org.entente.security.transparency.Rfc6962;

/**
 * Inclusion proofs on a large tree, one thread: a {@link MerkleTree} of {@code leaves} leaves (leaf
 * hashes of 8-byte entries, computed beforehand), then rounds, interleaved, of the baseline (raw
 * SHA-256 of the 65 bytes of an RFC 6962 node, {@code 0x01 || left || right}, with the JDK's {@link
 * MessageDigest} as {@link Rfc6962#nodeHash} uses it), {@link MerkleTree#inclusionProof} at random
 * indices of the whole tree, and {@link ProofVerifier#verifyInclusion} of each against the root
 * (every one must hold). Each round's proofs are dropped after it, so that the heap does not fill
 * with them. Medians of the rounds. Stateless.
 */
final class ProofRates {
  private ProofRates() {}

  record Result(
      long leaves,
      int proofs,
      double appendsPerSecond,
      double hashesPerSecond,
      double proofsPerSecond,
      double verifiesPerSecond,
      double meanPathLength) {}

  static Result run(int leaves, int proofs, int rounds, long seed) {
    MerkleTree tree = new MerkleTree();
    byte[][] leafHashes = new byte[leaves][];
    for (int i = 0; i < leaves; i++) {
      leafHashes[i] = Rfc6962.leafHash(ByteBuffer.allocate(8).putLong(i).array());
    }
    long t0 = System.nanoTime();
    for (byte[] h : leafHashes) {
      tree.append(h);
    }
    double appendSeconds = (System.nanoTime() - t0) / 1e9;
    byte[] root = tree.root();
    long size = tree.size();
    SplittableRandom random = new SplittableRandom(seed);
    int perRound = Math.max(1, proofs / rounds);
    round(tree, leafHashes, root, random, perRound); // warm-up (JIT)
    double[] hashes = new double[rounds];
    double[] made = new double[rounds];
    double[] checked = new double[rounds];
    double pathLength = 0;
    for (int r = 0; r < rounds; r++) {
      hashes[r] = hashRate(20 * perRound);
      double[] rates = round(tree, leafHashes, root, random, perRound);
      made[r] = rates[0];
      checked[r] = rates[1];
      pathLength = rates[2];
    }
    return new Result(
        size,
        perRound * rounds,
        leaves / appendSeconds,
        median(hashes),
        median(made),
        median(checked),
        pathLength);
  }

  /** Proofs per second, verifications per second, mean path length. */
  private static double[] round(
      MerkleTree tree, byte[][] leafHashes, byte[] root, SplittableRandom random, int n) {
    long size = tree.size();
    long[] index = new long[n];
    for (int i = 0; i < n; i++) {
      index[i] = random.nextLong(size);
    }
    List<List<byte[]>> paths = new ArrayList<>(n);
    long t1 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      paths.add(tree.inclusionProof(index[i], size));
    }
    double proofSeconds = (System.nanoTime() - t1) / 1e9;
    long t2 = System.nanoTime();
    int ok = 0;
    for (int i = 0; i < n; i++) {
      if (ProofVerifier.verifyInclusion(
          leafHashes[(int) index[i]], index[i], size, paths.get(i), root)) {
        ok++;
      }
    }
    double verifySeconds = (System.nanoTime() - t2) / 1e9;
    if (ok != n) {
      throw new IllegalStateException(ok + " of " + n + " inclusion proofs verified");
    }
    double pathLength = paths.stream().mapToInt(List::size).average().orElse(0);
    return new double[] {n / proofSeconds, n / verifySeconds, pathLength};
  }

  /** Raw node hashes per second: {@code n} chained SHA-256 of 65 bytes, a new array each. */
  private static double hashRate(int n) {
    MessageDigest d = Sha256.newDigest();
    byte[] left = new byte[32];
    byte[] right = new byte[32];
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      d.update((byte) 1);
      d.update(left);
      d.update(right);
      left = d.digest();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (left.length != 32) {
      throw new IllegalStateException();
    }
    return n / seconds;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
