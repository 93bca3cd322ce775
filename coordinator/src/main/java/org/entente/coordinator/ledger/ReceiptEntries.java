package org.entente.coordinator.ledger;

import com.google.protobuf.ByteString;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;

/**
 * The shapes of an attempt's closing entry, built in one place: dual-signed (the agent's exact
 * receipt bytes with the leader's observation), leader-only (the observation alone, crediting
 * nothing) and over-claimed (leader-only, carrying the refused receipt as evidence). Stateless and
 * pure.
 */
public final class ReceiptEntries {
  private ReceiptEntries() {}

  /** The leader's observation of the attempt, ending {@code nowMs} (never before its placement). */
  public static Observation.Builder observation(AttemptFacts f, long nowMs, long epoch) {
    return Observation.newBuilder()
        .setReceiptId(f.receiptId())
        .setJobId(f.jobId())
        .setShard(f.shard())
        .setAttempt(f.attempt())
        .setNode(f.node())
        .setNodeNation(f.nodeNation())
        .setChargedNation(f.chargedNation())
        .setGpus(f.gpus())
        .setCpus(f.cpus())
        .setPlacedUnixMs(f.placedAtMs())
        .setObservedEndUnixMs(Math.max(nowMs, f.placedAtMs()))
        .setEpoch(epoch);
  }

  /**
   * The agent's verified receipt, credited as it claims, with the certificate logged as {@code
   * certificateSha256} and the signature's nonce point for batch audits.
   */
  public static LedgerEntry dualSigned(
      ReceiptCheck.Signed signed,
      ByteString certificateSha256,
      AttemptFacts f,
      long nowMs,
      long epoch) {
    return dualSigned(signed, certificateSha256, f, nowMs, epoch, false);
  }

  /**
   * As {@link #dualSigned(ReceiptCheck.Signed, ByteString, AttemptFacts, long, long)}; {@code
   * held}: a replicated run, whose contribution counts once a verdict names it agreeing.
   */
  public static LedgerEntry dualSigned(
      ReceiptCheck.Signed signed,
      ByteString certificateSha256,
      AttemptFacts f,
      long nowMs,
      long epoch,
      boolean held) {
    Observation o =
        observation(f, nowMs, epoch)
            .setHeldForCheck(held)
            .setCreditedGpuMs(signed.receipt().getGpuMs())
            .setCreditedCpuMs(signed.receipt().getCpuMs())
            .setNote(signed.receipt().getPhase())
            .build();
    return LedgerEntry.newBuilder()
        .setReceipt(
            ReceiptEntry.newBuilder()
                .setAgentBody(signed.signed().getBody())
                .setAgentSignature(signed.signed().getSignature())
                .setAgentCertificateSha256(certificateSha256)
                .setAgentSignatureNonce(ByteString.copyFrom(signed.nonce()))
                .setObserved(o))
        .build();
  }

  /**
   * A closure crediting nothing that carries the node's receipt as evidence that it claimed more
   * than the leader observed, so every auditor can check why the node was quarantined.
   */
  public static LedgerEntry overClaimed(
      ReceiptCheck.Signed signed,
      ByteString certificateSha256,
      AttemptFacts f,
      long nowMs,
      long epoch,
      String note) {
    LedgerEntry closure = leaderOnly(f, nowMs, epoch, note);
    return closure.toBuilder()
        .setReceipt(
            closure.getReceipt().toBuilder()
                .setAgentBody(signed.signed().getBody())
                .setAgentSignature(signed.signed().getSignature())
                .setAgentCertificateSha256(certificateSha256)
                .setAgentSignatureNonce(ByteString.copyFrom(signed.nonce())))
        .build();
  }

  /** A closure without the agent, crediting nothing, with why (clipped to 300 characters). */
  public static LedgerEntry leaderOnly(AttemptFacts f, long nowMs, long epoch, String note) {
    String why = note.length() > 300 ? note.substring(0, 300) + "..." : note;
    return LedgerEntry.newBuilder()
        .setReceipt(
            ReceiptEntry.newBuilder()
                .setObserved(observation(f, nowMs, epoch).setLeaderOnly(true).setNote(why)))
        .build();
  }
}
