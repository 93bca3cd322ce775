package org.entente.coordinator.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.PeerRejectedException;
import org.entente.security.PeerVerifier;
import org.entente.security.Role;
import org.entente.security.Signatures;
import org.entente.security.Usage;

/**
 * The leader's check of an agent's usage receipt against what the leader itself observed, before it
 * countersigns: {@link #verifySignature} then {@link #matchFacts}. Goals: only the node the attempt
 * was placed on can sign for it, with a certificate its own nation issued; every field names the
 * attempt the leader knows; the claim never exceeds the observed wall time times the GPUs
 * allocated; an expired receipt is refused. Pure: the instant is passed in. Stateless.
 *
 * <p>Replays (the same attempt closed twice, a node sequence used twice) are the ledger's to catch,
 * since only it knows what was logged: see {@code LedgerBook}.
 */
public final class ReceiptCheck {
  private ReceiptCheck() {}

  /**
   * A receipt whose signature holds, by a node certificate a member nation issued for its own node;
   * or the reason it is refused. Exactly one of {@code receipt} and {@code refused} is set.
   *
   * @param signed the receipt as sent (its bytes go into the log unchanged)
   * @param signerNode {@code NATION/name} of the signing node
   */
  public record Signed(
      SignedReceipt signed,
      UsageReceipt receipt,
      X509Certificate certificate,
      String signerNode,
      Refusal refused,
      byte[] nonce) {
    static Signed refuse(SignedReceipt s, String rule, String detail) {
      return new Signed(s, null, null, null, new Refusal(rule, detail), new byte[0]);
    }
  }

  /**
   * Decodes the receipt and checks its certificate and signature: the costly half, done on the
   * calling thread before the leader's loop sees the report.
   */
  public static Signed verifySignature(
      SignedReceipt signed, long nowMs, FederationTrust.Snapshot trust) {
    UsageReceipt r;
    try {
      r = UsageReceipt.parseFrom(signed.getBody());
    } catch (InvalidProtocolBufferException e) {
      return Signed.refuse(signed, "malformed", "the receipt body is not a UsageReceipt");
    }
    X509Certificate cert;
    try {
      cert = Signatures.certificate(signed.getCertificate().toByteArray());
    } catch (CertificateException e) {
      return Signed.refuse(signed, "certificate", "the receipt carries no valid certificate");
    }
    Identity signer;
    try {
      signer =
          PeerVerifier.verify(
              new X509Certificate[] {cert}, Usage.CLIENT_AUTH, Instant.ofEpochMilli(nowMs), trust);
    } catch (PeerRejectedException e) {
      return Signed.refuse(
          signed, "certificate", "the signing certificate is refused: " + e.getMessage());
    }
    if (signer.role() != Role.NODE) {
      return Signed.refuse(signed, "signer", "the receipt is signed by " + signer + ", not a node");
    }
    Signatures.Verdict v =
        Signatures.verifyRecovering(
            cert.getPublicKey(),
            Signatures.RECEIPT,
            signed.getBody().toByteArray(),
            signed.getSignature().toByteArray());
    if (!v.valid()) {
      return Signed.refuse(signed, "agent-signature", "the node's signature does not verify");
    }
    return new Signed(signed, r, cert, signer.nation() + "/" + signer.name(), null, v.nonce());
  }

  /**
   * Checks a receipt whose signature holds against the attempt the leader knows.
   *
   * @param observedEndMs when the leader saw the attempt end (its report arrived)
   * @param nowMs the leader's clock, for expiry
   * @return null when it may be countersigned, else why not
   */
  public static Refusal matchFacts(Signed s, AttemptFacts facts, long observedEndMs, long nowMs) {
    if (s.refused() != null) {
      return s.refused();
    }
    if (!s.signerNode().equals(facts.node())) {
      return new Refusal(
          "signer",
          "receipt for "
              + facts.receiptId()
              + " is signed by node "
              + s.signerNode()
              + ", but the attempt was placed on node "
              + facts.node());
    }
    UsageReceipt r = s.receipt();
    Refusal wrong = fieldsMatch(r, facts);
    if (wrong != null) {
      return wrong;
    }
    if (nowMs > r.getExpiresUnixMs()) {
      return new Refusal(
          "expired",
          "receipt for " + facts.receiptId() + " expired at " + r.getExpiresUnixMs() + " ms");
    }
    long bound = observedBound(facts, observedEndMs);
    if (r.getGpuMs() < 0 || r.getGpuMs() > bound) {
      return new Refusal(
          "over-claim",
          "receipt for "
              + facts.receiptId()
              + " claims "
              + r.getGpuMs()
              + " GPU-ms, but the leader observed at most "
              + bound
              + " ("
              + facts.gpus()
              + " GPUs from placement at "
              + facts.placedAtMs()
              + " to "
              + observedEndMs
              + ")");
    }
    long cpuBound =
        Math.multiplyExact(Math.max(0, observedEndMs - facts.placedAtMs()), (long) facts.cpus());
    if (r.getCpus() != facts.cpus() || r.getCpuMs() < 0 || r.getCpuMs() > cpuBound) {
      return new Refusal(
          "over-claim",
          "receipt for "
              + facts.receiptId()
              + " claims "
              + r.getCpuMs()
              + " CPU-ms on "
              + r.getCpus()
              + " CPUs, but the leader allocated "
              + facts.cpus()
              + " CPUs and observed at most "
              + cpuBound);
    }
    return null;
  }

  /** The most an attempt can be credited: observed wall time times the GPUs allocated. */
  public static long observedBound(AttemptFacts facts, long observedEndMs) {
    long wall = Math.max(0, observedEndMs - facts.placedAtMs());
    return Math.multiplyExact(wall, (long) facts.gpus());
  }

  private static Refusal fieldsMatch(UsageReceipt r, AttemptFacts f) {
    String id = f.receiptId();
    if (r.getVersion() != 1) {
      return new Refusal("version", "receipt version " + r.getVersion() + " is not 1");
    }
    if (!r.getJobId().equals(f.jobId())
        || r.getShard() != f.shard()
        || r.getAttempt() != f.attempt()) {
      return new Refusal(
          "attempt",
          "receipt names "
              + ReceiptIds.of(r.getJobId(), r.getShard(), r.getAttempt())
              + " but was sent for "
              + id);
    }
    if (!r.getNode().equals(f.node()) || !r.getNodeNation().equals(f.nodeNation())) {
      return new Refusal(
          "node", "receipt for " + id + " names node " + r.getNode() + ", not " + f.node());
    }
    if (!r.getChargedNation().equals(f.chargedNation())) {
      return new Refusal(
          "charged-nation",
          "receipt for "
              + id
              + " charges "
              + r.getChargedNation()
              + ", but the job belongs to "
              + f.chargedNation());
    }
    if (r.getGpus() != f.gpus()) {
      return new Refusal(
          "gpus", "receipt for " + id + " claims " + r.getGpus() + " GPUs, allocated " + f.gpus());
    }
    if (r.getEndUnixMs() < r.getStartUnixMs()) {
      return new Refusal("times", "receipt for " + id + " ends before it starts");
    }
    List<String> outs = r.getOutputSha256List();
    if (!outs.equals(f.outputs())) {
      return new Refusal(
          "outputs",
          "receipt for " + id + " names outputs " + outs + ", the report named " + f.outputs());
    }
    return null;
  }
}
