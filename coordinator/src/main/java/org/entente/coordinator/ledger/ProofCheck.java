package org.entente.coordinator.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.SealBody;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.Identity;
import org.entente.security.Role;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;
import org.entente.security.transparency.ProofVerifier;
import org.entente.security.transparency.Rfc6962;

/**
 * Checks an inclusion proof offline, with nothing but the trust bundle: the checkpoint counts
 * (leader signature, cosigned by a majority of nations); the entry and its seal are in the tree the
 * checkpoint names; the seal covers the entry and the leader signed it; and a receipt's own agent
 * signature and bounds hold. Stateless and pure.
 */
public final class ProofCheck {
  private ProofCheck() {}

  /** The verdict, with the decoded entry and checkpoint when they decode. */
  public record Result(LedgerEntry entry, CheckpointBody checkpoint, List<Problem> problems) {
    public boolean valid() {
      return problems.isEmpty();
    }
  }

  public static Result verify(InclusionProof p, TrustBundle bundle) {
    List<Problem> problems = new ArrayList<>();
    CheckpointBody body;
    try {
      body = CheckpointBody.parseFrom(p.getCheckpoint().getCheckpoint().getBody());
    } catch (InvalidProtocolBufferException e) {
      problems.add(new Problem(-1, "checkpoint", "the checkpoint does not decode"));
      return new Result(null, null, problems);
    }
    CheckpointCheck.Result cp = CheckpointCheck.check(p.getCheckpoint(), bundle, body.getLogId());
    problems.addAll(cp.problems());
    byte[] root = body.getRootHash().toByteArray();
    byte[] leaf = Rfc6962.leafHash(p.getEntry().toByteArray());
    if (!ProofVerifier.verifyInclusion(
        leaf, p.getIndex(), body.getTreeSize(), bytes(p.getPathList()), root)) {
      problems.add(
          new Problem(p.getIndex(), "inclusion", "the entry is not in the checkpoint's tree"));
    }
    byte[] sealLeaf = Rfc6962.leafHash(p.getSeal().toByteArray());
    if (!ProofVerifier.verifyInclusion(
        sealLeaf, p.getSealIndex(), body.getTreeSize(), bytes(p.getSealPathList()), root)) {
      problems.add(
          new Problem(p.getSealIndex(), "inclusion", "the seal is not in the checkpoint's tree"));
    }
    LedgerEntry entry;
    try {
      entry = LedgerEntry.parseFrom(p.getEntry());
    } catch (InvalidProtocolBufferException e) {
      problems.add(new Problem(p.getIndex(), "malformed", "the entry does not decode"));
      return new Result(null, body, problems);
    }
    checkSeal(p, leaf, bundle, problems);
    if (entry.hasReceipt()) {
      checkReceipt(p, entry.getReceipt(), bundle, problems);
    }
    return new Result(entry, body, problems);
  }

  private static void checkSeal(
      InclusionProof p, byte[] leaf, TrustBundle bundle, List<Problem> problems) {
    SealBody seal;
    try {
      LedgerEntry e = LedgerEntry.parseFrom(p.getSeal());
      if (!e.hasSeal()) {
        problems.add(new Problem(p.getSealIndex(), "seal", "the entry named as seal is no seal"));
        return;
      }
      seal = SealBody.parseFrom(e.getSeal().getBody());
      X509Certificate leader = find(p, seal.getLeaderCertificateSha256());
      Identity id = leader == null ? null : CertificateChains.identity(leader, bundle);
      if (id == null || id.role() != Role.COORDINATOR) {
        problems.add(
            new Problem(p.getSealIndex(), "seal-signer", "the seal's coordinator is not known"));
      } else if (!Signatures.verify(
          leader.getPublicKey(),
          Signatures.SEAL,
          e.getSeal().getBody().toByteArray(),
          e.getSeal().getSignature().toByteArray())) {
        problems.add(
            new Problem(p.getSealIndex(), "seal-signature", "the leader's signature fails"));
      }
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      problems.add(
          new Problem(p.getSealIndex(), "seal", "the seal is malformed: " + e.getMessage()));
      return;
    }
    long first = seal.getFirstIndex();
    if (p.getIndex() < first
        || p.getIndex() >= first + seal.getCount()
        || first + seal.getCount() != p.getSealIndex()
        || p.getSealedLeafHashesCount() != seal.getCount()) {
      problems.add(new Problem(p.getIndex(), "seal-coverage", "the seal does not cover the entry"));
      return;
    }
    MessageDigest d = Sha256.newDigest();
    p.getSealedLeafHashesList().forEach(h -> d.update(h.toByteArray()));
    if (!MessageDigest.isEqual(d.digest(), seal.getEntriesSha256().toByteArray())
        || !MessageDigest.isEqual(
            p.getSealedLeafHashes((int) (p.getIndex() - first)).toByteArray(), leaf)) {
      problems.add(
          new Problem(p.getIndex(), "seal-digest", "the seal's digest does not cover this entry"));
    }
  }

  private static void checkReceipt(
      InclusionProof p, ReceiptEntry r, TrustBundle bundle, List<Problem> problems) {
    Observation o = r.getObserved();
    long bound =
        Math.max(0, o.getObservedEndUnixMs() - o.getPlacedUnixMs())
            * (long) Math.max(0, o.getGpus());
    if (o.getCreditedGpuMs() < 0 || o.getCreditedGpuMs() > bound) {
      problems.add(
          new Problem(p.getIndex(), "over-claim", "the credit exceeds the observed bound"));
    }
    if (o.getLeaderOnly()) {
      if (o.getCreditedGpuMs() != 0) {
        problems.add(new Problem(p.getIndex(), "leader-only", "a leader-only closure credits"));
      }
      return;
    }
    X509Certificate agent = find(p, r.getAgentCertificateSha256());
    try {
      Identity id = agent == null ? null : CertificateChains.identity(agent, bundle);
      if (id == null
          || id.role() != Role.NODE
          || !(id.nation() + "/" + id.name()).equals(o.getNode())) {
        problems.add(
            new Problem(
                p.getIndex(),
                "signer",
                "the receipt's node certificate is missing"
                    + " or names another node than "
                    + o.getNode()));
        return;
      }
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(p.getIndex(), "signer", e.getMessage()));
      return;
    }
    if (!Signatures.verify(
        agent.getPublicKey(),
        Signatures.RECEIPT,
        r.getAgentBody().toByteArray(),
        r.getAgentSignature().toByteArray())) {
      problems.add(new Problem(p.getIndex(), "agent-signature", "the node's signature fails"));
      return;
    }
    try {
      UsageReceipt u = UsageReceipt.parseFrom(r.getAgentBody());
      if (u.getGpuMs() != o.getCreditedGpuMs()
          || u.getCpuMs() != o.getCreditedCpuMs()
          || u.getCpus() != o.getCpus()
          || u.getGpus() != o.getGpus()
          || !u.getJobId().equals(o.getJobId())
          || u.getShard() != o.getShard()
          || u.getAttempt() != o.getAttempt()
          || !u.getNode().equals(o.getNode())
          || !u.getNodeNation().equals(o.getNodeNation())
          || !u.getChargedNation().equals(o.getChargedNation())) {
        problems.add(new Problem(p.getIndex(), "mismatch", "receipt and observation disagree"));
      }
    } catch (InvalidProtocolBufferException e) {
      problems.add(new Problem(p.getIndex(), "malformed", "the agent's receipt does not decode"));
    }
  }

  private static X509Certificate find(InclusionProof p, ByteString sha) {
    for (ByteString der : p.getCertificatesList()) {
      if (MessageDigest.isEqual(Sha256.newDigest().digest(der.toByteArray()), sha.toByteArray())) {
        try {
          return Signatures.certificate(der.toByteArray());
        } catch (CertificateException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static List<byte[]> bytes(List<ByteString> list) {
    return list.stream().map(ByteString::toByteArray).toList();
  }
}
