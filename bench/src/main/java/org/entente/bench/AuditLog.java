package org.entente.bench;

import com.google.protobuf.ByteString;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.entente.coordinator.ledger.LedgerBook;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.SealEntry;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.KeyMaterial;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;

/**
 * A valid log to audit, built in memory as the leader builds it: the agents' receipts (signed by
 * their {@code ReceiptSigner}s), each agent certificate logged once before its first receipt, the
 * receipt entries of {@link ReceiptAppends}, and a seal every {@code sealEvery} receipts made as
 * {@code LedgerWriter.seal} makes it (the leader's certificate logged, {@link LedgerBook#sealBody},
 * signed with {@link Signatures#SEAL}). The leader's signature check is skipped while building (the
 * receipts are the bench's own); the audit checks them all. Stateless.
 */
final class AuditLog {
  private AuditLog() {}

  static List<byte[]> build(
      List<ReceiptFleet.Attempt> attempts,
      List<SignedReceipt> signed,
      KeyMaterial leader,
      int sealEvery,
      long epoch,
      long now)
      throws Exception {
    LedgerBook book = new LedgerBook();
    Map<String, X509Certificate> certs = new HashMap<>();
    for (int i = 0; i < attempts.size(); i++) {
      SignedReceipt s = signed.get(i);
      ReceiptFleet.Attempt a = attempts.get(i);
      X509Certificate cert = certs.get(a.facts().node());
      if (cert == null) {
        cert = Signatures.certificate(s.getCertificate().toByteArray());
        certs.put(a.facts().node(), cert);
      }
      ReceiptCheck.Signed checked =
          new ReceiptCheck.Signed(
              s,
              UsageReceipt.parseFrom(s.getBody()),
              cert,
              a.facts().node(),
              null,
              // the nonce point the leader derives as it verifies (not timed here)
              Signatures.verifyRecovering(
                      cert.getPublicKey(),
                      Signatures.RECEIPT,
                      s.getBody().toByteArray(),
                      s.getSignature().toByteArray())
                  .nonce());
      ReceiptAppends.close(book, a, checked, now, epoch);
      if ((i + 1) % sealEvery == 0 || i + 1 == attempts.size()) {
        seal(book, leader, epoch, now);
      }
    }
    return book.unwritten();
  }

  private static void seal(LedgerBook book, KeyMaterial leader, long epoch, long now)
      throws Exception {
    ByteString certSha = ReceiptAppends.logCertificate(book, leader.certificate().getEncoded());
    byte[] body = book.sealBody(epoch, certSha, now).toByteArray();
    book.append(
        LedgerEntry.newBuilder()
            .setSeal(
                SealEntry.newBuilder()
                    .setBody(ByteString.copyFrom(body))
                    .setSignature(
                        ByteString.copyFrom(
                            Signatures.sign(leader.privateKey(), Signatures.SEAL, body))))
            .build());
  }

  /** One audit's figures: entries accepted, then signatures checked by {@code finish}. */
  record Audit(int parallelism, long counted, int problems, double acceptSeconds, double seconds) {
    double rate() {
      return counted / seconds;
    }
  }

  /** Runs a fresh {@link LogVerifier} over {@code entries}: accept each, then finish. */
  static Audit verify(TrustBundle bundle, List<byte[]> entries, int parallelism) {
    long t0 = System.nanoTime();
    LogVerifier v = new LogVerifier(bundle);
    for (int i = 0; i < entries.size(); i++) {
      v.accept(i, entries.get(i));
    }
    long t1 = System.nanoTime();
    v.finish(parallelism);
    long t2 = System.nanoTime();
    return new Audit(
        parallelism, v.receiptsCounted(), v.problems().size(), (t1 - t0) / 1e9, (t2 - t0) / 1e9);
  }
}
