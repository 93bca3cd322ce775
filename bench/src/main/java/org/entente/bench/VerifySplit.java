package org.entente.bench;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.PeerVerifier;
import org.entente.security.Signatures;
import org.entente.security.Usage;

/**
 * Where one {@link ReceiptCheck#verifySignature} spends its time, on one thread, over one receipt
 * of each node in turn: the whole call, decoding the certificate ({@link Signatures#certificate}),
 * {@link PeerVerifier#verify} (the root's signature on it), {@link Signatures#verify} with the
 * certificate's key, and the same with that key translated to a Bouncy Castle key once. The JDK
 * keeps decoded certificates in a cache by their bytes and remembers a certificate's verified
 * signature, so for a node's repeated receipts the middle two are cache hits. Stateless.
 */
final class VerifySplit {
  private VerifySplit() {}

  /** Microseconds per call of each part, in the order above. */
  static double[] measure(
      ReceiptFleet fleet, FederationTrust.Snapshot trust, Clock clock, int millis)
      throws Exception {
    List<SignedReceipt> s =
        fleet.attempts("split", fleet.size()).stream().map(ReceiptFleet.Attempt::sign).toList();
    int n = s.size();
    byte[][] der = new byte[n][];
    X509Certificate[] certs = new X509Certificate[n];
    PublicKey[] keys = new PublicKey[n];
    PublicKey[] bcKeys = new PublicKey[n];
    KeyFactory bc = KeyFactory.getInstance("EC", new BouncyCastleProvider());
    for (int i = 0; i < n; i++) {
      der[i] = s.get(i).getCertificate().toByteArray();
      certs[i] = Signatures.certificate(der[i]);
      keys[i] = certs[i].getPublicKey();
      bcKeys[i] = (PublicKey) bc.translateKey(keys[i]);
    }
    Instant now = clock.instant();
    AtomicInteger k = new AtomicInteger();
    IntSupplier whole =
        () -> {
          ReceiptCheck.Signed r =
              ReceiptCheck.verifySignature(s.get(next(k, n)), now.toEpochMilli(), trust);
          if (r.refused() != null) {
            throw new IllegalStateException("refused: " + r.refused());
          }
          return 1;
        };
    IntSupplier parse =
        () -> {
          try {
            return Signatures.certificate(der[next(k, n)]).getVersion();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    IntSupplier chain =
        () -> {
          try {
            int i = next(k, n);
            PeerVerifier.verify(new X509Certificate[] {certs[i]}, Usage.CLIENT_AUTH, now, trust);
            return 1;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    IntSupplier[] ops = {whole, parse, chain, () -> verify(s, keys, k), () -> verify(s, bcKeys, k)};
    double[] out = new double[ops.length];
    for (int i = 0; i < ops.length; i++) {
      out[i] = 1e6 / CryptoBaseline.rate(1, millis, ops[i]);
    }
    return out;
  }

  private static int verify(List<SignedReceipt> s, PublicKey[] keys, AtomicInteger k) {
    int i = next(k, s.size());
    if (!Signatures.verify(
        keys[i],
        Signatures.RECEIPT,
        s.get(i).getBody().toByteArray(),
        s.get(i).getSignature().toByteArray())) {
      throw new IllegalStateException("receipt does not verify");
    }
    return 1;
  }

  private static int next(AtomicInteger k, int n) {
    return Math.floorMod(k.getAndIncrement(), n);
  }
}
