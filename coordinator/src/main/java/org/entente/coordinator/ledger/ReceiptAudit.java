package org.entente.coordinator.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.BatchVerifier;
import org.entente.security.Role;
import org.entente.security.Signatures;

/**
 * The rules one receipt entry must keep (split from {@link LogVerifier}): its id names its attempt,
 * no earlier entry closed that attempt, the credit stays within the observed wall time times the
 * units allocated; a leader-only closure credits nothing and may carry the node's receipt only as
 * evidence of an over-claim; otherwise the agent's receipt is signed by the logged certificate of
 * that very node, its fields agree with the leader's observation, the credit equals the agent's
 * claim, and the node's sequence number was never used before.
 *
 * <p>Keeps what only receipts need: the closing entry and observation of each attempt, and the node
 * sequence numbers used. Reports each entry's outcome; the caller keeps the accounts, checks the
 * signatures and applies the side effects. Not thread-safe.
 */
final class ReceiptAudit {
  /**
   * What one receipt entry came to, past its {@link #close}.
   *
   * @param problems the rules it breaks (at most one)
   * @param accepted the observation to seal, or null when rejected
   * @param agent the agent's receipt decoded, or null (leader-only, or rejected)
   * @param signature the agent's signature to verify (rule "agent-signature"), or null
   * @param overClaimEvidence whether the node's receipt proves it claimed more than was observed
   */
  record Outcome(
      List<Problem> problems,
      Observation accepted,
      UsageReceipt agent,
      BatchVerifier.Item signature,
      boolean overClaimEvidence) {
    static Outcome rejected(Problem why) {
      return new Outcome(List.of(why), null, null, null, false);
    }
  }

  private final Function<ByteString, LogVerifier.Known> certificates;
  private final Map<String, Long> receipts = new LinkedHashMap<>();
  private final Map<String, Observation> observations = new HashMap<>();
  private final Set<String> sequences = new HashSet<>();

  /** {@code certificates}: the logged certificates by the SHA-256 of their DER, null if none. */
  ReceiptAudit(Function<ByteString, LogVerifier.Known> certificates) {
    this.certificates = certificates;
  }

  /**
   * Closes the attempt {@code o} names by the entry at {@code index}; null when it may (and the
   * observation is kept), else why not. Call {@link #check} next when it may.
   */
  Problem close(long index, Observation o) {
    String id = ReceiptIds.of(o.getJobId(), o.getShard(), o.getAttempt());
    if (!id.equals(o.getReceiptId())) {
      return new Problem(
          index, "receipt-id", "receipt id " + o.getReceiptId() + " does not name " + id);
    }
    Long earlier = receipts.putIfAbsent(id, index);
    if (earlier != null) {
      return new Problem(
          index, "duplicate", "attempt " + id + " was already closed by entry " + earlier);
    }
    observations.put(id, o);
    return null;
  }

  /** Checks the rest of the receipt at {@code index}, whose attempt {@link #close} accepted. */
  Outcome check(long index, ReceiptEntry r) {
    Observation o = r.getObserved();
    String id = o.getReceiptId();
    String over = overClaim(o, "GPU-ms", o.getCreditedGpuMs(), o.getGpus());
    if (over == null) {
      over = overClaim(o, "CPU-ms", o.getCreditedCpuMs(), o.getCpus());
    }
    if (over != null) {
      return Outcome.rejected(new Problem(index, "over-claim", over));
    }
    if (o.getLeaderOnly()) {
      if (o.getCreditedGpuMs() != 0 || o.getCreditedCpuMs() != 0) {
        return Outcome.rejected(
            new Problem(
                index, "leader-only", id + " is a leader-only closure but credits something"));
      }
      if (r.getAgentBody().isEmpty()) {
        return new Outcome(List.of(), o, null, null, false);
      }
      return overClaimEvidence(index, r, o, id);
    }
    Agent a = agentReceipt(index, r, o, id);
    if (a.why() != null) {
      return Outcome.rejected(a.why());
    }
    UsageReceipt u = a.receipt();
    if (u.getGpuMs() != o.getCreditedGpuMs()
        || u.getCpuMs() != o.getCreditedCpuMs()
        || u.getCpus() != o.getCpus()) {
      return Outcome.rejected(
          new Problem(
              index,
              "credit",
              id
                  + " credits "
                  + o.getCreditedGpuMs()
                  + " GPU-ms but the agent claimed "
                  + u.getGpuMs()));
    }
    Problem replay = usedSequence(index, o, u);
    if (replay != null) {
      return Outcome.rejected(replay);
    }
    return new Outcome(List.of(), o, u, signature(r), false);
  }

  /**
   * A leader-only closure may carry the agent's receipt only as evidence that the node claimed more
   * than the leader observed (the leader then quarantines it): the receipt must be the node's own,
   * for this attempt, and really above the bound, so a leader cannot frame an honest node.
   */
  private Outcome overClaimEvidence(long index, ReceiptEntry r, Observation o, String id) {
    Agent a = agentReceipt(index, r, o, id);
    if (a.why() != null) {
      return Outcome.rejected(a.why());
    }
    UsageReceipt u = a.receipt();
    String over = overClaim(o, "GPU-ms", u.getGpuMs(), o.getGpus());
    if (over == null) {
      over = overClaim(o, "CPU-ms", u.getCpuMs(), o.getCpus());
    }
    if (over == null && u.getCpus() == o.getCpus()) {
      return Outcome.rejected(
          new Problem(
              index,
              "leader-only",
              id
                  + " is closed alone with the node's receipt as evidence, but the receipt claims"
                  + " no more than the observed bound: it should have been countersigned"));
    }
    Problem replay = usedSequence(index, o, u);
    if (replay != null) {
      return Outcome.rejected(replay);
    }
    return new Outcome(List.of(), o, null, signature(r), true);
  }

  /** Records the node's sequence number; null when new, else the replay. */
  private Problem usedSequence(long index, Observation o, UsageReceipt u) {
    if (!sequences.add(o.getNode() + "#" + u.getSequence())) {
      return new Problem(
          index,
          "replay",
          o.getReceiptId()
              + ": node "
              + o.getNode()
              + " used sequence "
              + u.getSequence()
              + " before");
    }
    return null;
  }

  /** The agent's signature on the receipt, by the key of the certificate it names. */
  private BatchVerifier.Item signature(ReceiptEntry r) {
    return new BatchVerifier.Item(
        certificates.apply(r.getAgentCertificateSha256()).key(),
        Signatures.RECEIPT,
        r.getAgentBody().toByteArray(),
        r.getAgentSignature().toByteArray(),
        r.getAgentSignatureNonce().toByteArray());
  }

  /** An agent's receipt decoded, or why not. */
  private record Agent(UsageReceipt receipt, Problem why) {}

  /**
   * The agent's receipt in {@code r}, when it names a logged node certificate of the node and
   * nation observed and describes the observed attempt; else the problem.
   */
  private Agent agentReceipt(long index, ReceiptEntry r, Observation o, String id) {
    LogVerifier.Known signer = certificates.apply(r.getAgentCertificateSha256());
    if (signer == null) {
      return refused(
          index, "unknown-certificate", id + " names an agent certificate no earlier entry logged");
    }
    String node = signer.identity().nation() + "/" + signer.identity().name();
    if (signer.identity().role() != Role.NODE
        || !node.equals(o.getNode())
        || !signer.identity().nation().equals(o.getNodeNation())) {
      return refused(
          index,
          "signer",
          id + " ran on " + o.getNode() + " but is signed by " + signer.identity());
    }
    UsageReceipt u;
    try {
      u = UsageReceipt.parseFrom(r.getAgentBody());
    } catch (InvalidProtocolBufferException ex) {
      return refused(index, "malformed", id + ": the agent's receipt does not decode");
    }
    if (!u.getJobId().equals(o.getJobId())
        || u.getShard() != o.getShard()
        || u.getAttempt() != o.getAttempt()
        || !u.getNode().equals(o.getNode())
        || !u.getNodeNation().equals(o.getNodeNation())
        || !u.getChargedNation().equals(o.getChargedNation())
        || u.getGpus() != o.getGpus()) {
      return refused(
          index, "mismatch", id + ": the agent's receipt and the leader's observation disagree");
    }
    return new Agent(u, null);
  }

  private static Agent refused(long index, String rule, String detail) {
    return new Agent(null, new Problem(index, rule, detail));
  }

  /** Why a credit exceeds (observed end - placed) x allocated units, or null when it does not. */
  static String overClaim(Observation o, String unit, long credited, int units) {
    long bound;
    try {
      bound =
          Math.multiplyExact(
              Math.max(0, o.getObservedEndUnixMs() - o.getPlacedUnixMs()), (long) units);
    } catch (ArithmeticException ex) {
      bound = -1;
    }
    return units < 0 || credited < 0 || credited > bound
        ? o.getReceiptId()
            + " credits "
            + credited
            + " "
            + unit
            + ", more than the observed bound "
            + bound
        : null;
  }

  /** The log index of the entry closing {@code receiptId}, or null. */
  Long index(String receiptId) {
    return receipts.get(receiptId);
  }

  /** The observation of the attempt {@code receiptId} closed, or null. */
  Observation observation(String receiptId) {
    return observations.get(receiptId);
  }
}
