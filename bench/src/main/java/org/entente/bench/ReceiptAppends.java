package org.entente.bench;

import com.google.protobuf.ByteString;
import java.security.cert.CertificateEncodingException;
import org.entente.coordinator.ledger.LedgerBook;
import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.coordinator.ledger.ReceiptEntries;
import org.entente.coordinator.ledger.Refusal;
import org.entente.proto.v1.CertificateEntry;
import org.entente.proto.v1.LedgerEntry;
import org.entente.security.Sha256;

/**
 * The leader loop's half of closing an attempt with its agent's receipt, step for step as {@code
 * LedgerDuties.close} does it (that class is package-private to the coordinator's jobs package):
 * match the verified receipt against the leader's facts, refuse a used sequence, log the agent's
 * certificate unless logged ({@code LedgerWriter.logCertificate}), append the receipt entry with
 * the leader's observation. A refusal here is a bug in the bench, so it throws. Stateless.
 */
final class ReceiptAppends {
  private ReceiptAppends() {}

  /** Appends the receipt entry for {@code a}; returns its index, or -1 if already closed. */
  static long close(
      LedgerBook book, ReceiptFleet.Attempt a, ReceiptCheck.Signed signed, long now, long epoch) {
    var f = a.facts();
    if (book.closed(f.receiptId())) {
      return -1;
    }
    Refusal refused = ReceiptCheck.matchFacts(signed, f, now, now);
    if (refused == null && book.sequenceUsed(f.node(), signed.receipt().getSequence())) {
      refused = new Refusal("replay", "sequence used before");
    }
    if (refused != null) {
      throw new IllegalStateException(
          "bench receipt for " + f.receiptId() + " refused: " + refused);
    }
    ByteString certSha;
    try {
      certSha = logCertificate(book, signed.certificate().getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
    return book.append(ReceiptEntries.dualSigned(signed, certSha, f, now, epoch));
  }

  /** As {@code LedgerWriter.logCertificate}: logs a certificate unless logged; its SHA-256. */
  static ByteString logCertificate(LedgerBook book, byte[] der) {
    ByteString sha = ByteString.copyFrom(Sha256.newDigest().digest(der));
    if (!book.certificateLogged(sha)) {
      book.append(
          LedgerEntry.newBuilder()
              .setCertificate(CertificateEntry.newBuilder().setDer(ByteString.copyFrom(der)))
              .build());
    }
    return sha;
  }
}
