package org.entente.bench;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.KeyMaterial;
import org.entente.security.Signatures;

/**
 * Raw primitive rates, the yardsticks of {@link LedgerBench}: {@link Signatures#sign} and {@link
 * Signatures#verify} (Bouncy Castle's SHA256withECDSA on P-256, the product's own calls) over a
 * receipt-sized body. Each runs for a fixed time on {@code threads} threads, after a warm-up of the
 * same length. Stateless.
 */
final class CryptoBaseline {
  private CryptoBaseline() {}

  /**
   * Rates on one thread and on every core with the product's keys (the JDK's, as {@code KeyPairs}
   * makes them and certificates decode), and on one thread with the same keys translated to Bouncy
   * Castle's once.
   */
  record Rates(
      double sign1,
      double signN,
      double verify1,
      double verifyN,
      double signBc1,
      double verifyBc1) {}

  /** All of {@link Rates}, each for {@code millis} after as long a warm-up. */
  static Rates measure(KeyMaterial node, SignedReceipt sample, int cores, int millis)
      throws Exception {
    byte[] body = sample.getBody().toByteArray();
    byte[] sig = sample.getSignature().toByteArray();
    PublicKey key = Signatures.certificate(sample.getCertificate().toByteArray()).getPublicKey();
    KeyFactory bc = KeyFactory.getInstance("EC", new BouncyCastleProvider());
    return new Rates(
        signRate(node.privateKey(), body, 1, millis),
        signRate(node.privateKey(), body, cores, millis),
        verifyRate(key, body, sig, 1, millis),
        verifyRate(key, body, sig, cores, millis),
        signRate((PrivateKey) bc.translateKey(node.privateKey()), body, 1, millis),
        verifyRate((PublicKey) bc.translateKey(key), body, sig, 1, millis));
  }

  /** Signatures per second. */
  static double signRate(PrivateKey key, byte[] body, int threads, int millis) throws Exception {
    return rate(threads, millis, () -> Signatures.sign(key, Signatures.RECEIPT, body).length);
  }

  /** Verifications per second; fails if one does not verify. */
  static double verifyRate(PublicKey key, byte[] body, byte[] signature, int threads, int millis)
      throws Exception {
    return rate(
        threads,
        millis,
        () -> {
          if (!Signatures.verify(key, Signatures.RECEIPT, body, signature)) {
            throw new IllegalStateException("baseline signature does not verify");
          }
          return 1;
        });
  }

  /**
   * Calls per second of {@code op} on {@code threads} threads for {@code millis} (after warm-up).
   */
  static double rate(int threads, int millis, IntSupplier op) throws Exception {
    run(threads, millis, op);
    return run(threads, millis, op);
  }

  private static double run(int threads, int millis, IntSupplier op) throws Exception {
    LongAdder calls = new LongAdder();
    long deadline = System.nanoTime() + millis * 1_000_000L;
    List<Thread> ts = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      Thread th =
          new Thread(
              () -> {
                long sink = 0;
                long c = 0;
                while (System.nanoTime() < deadline) {
                  sink += op.getAsInt();
                  c++;
                }
                calls.add(c + (sink == Long.MIN_VALUE ? 1 : 0));
              },
              "bench-baseline-" + t);
      th.start();
      ts.add(th);
    }
    for (Thread th : ts) {
      th.join();
    }
    return calls.sum() / ((System.nanoTime() - t0) / 1e9);
  }
}
