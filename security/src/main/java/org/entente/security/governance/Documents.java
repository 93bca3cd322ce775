package org.entente.security.governance;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.util.HexFormat;
import org.entente.proto.v1.Approval;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.OperatorSignature;
import org.entente.proto.v1.Proposal;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedGenesis;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.KeyMaterial;
import org.entente.security.Sha256;
import org.entente.security.Signatures;

/**
 * Making the signed governance documents with an operator's key: proposals, approvals and the
 * genesis. Stateless.
 */
public final class Documents {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Documents() {}

  /** A fresh proposal id: {@code p-} and 16 random hex digits. */
  public static String newId() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return "p-" + HexFormat.of().formatHex(b);
  }

  /** A proposal by {@code operator}, created now and expiring after {@code ttlMs}. */
  public static SignedProposal propose(
      KeyMaterial operator, Change change, String reason, long nowMs, long ttlMs) {
    Proposal p =
        Proposal.newBuilder()
            .setVersion(1)
            .setId(newId())
            .setChange(change)
            .setReason(reason)
            .setProposer(operator.identity().toUri())
            .setCreatedUnixMs(nowMs)
            .setExpiresUnixMs(nowMs + ttlMs)
            .build();
    return sign(operator, p);
  }

  /** Signs the exact proposal given. */
  public static SignedProposal sign(KeyMaterial operator, Proposal p) {
    byte[] body = p.toByteArray();
    return SignedProposal.newBuilder()
        .setBody(ByteString.copyFrom(body))
        .setSignature(signature(operator, Signatures.PROPOSAL, body))
        .build();
  }

  /** An approval of {@code p}'s exact bytes by {@code operator}, signed at {@code nowMs}. */
  public static SignedApproval approve(
      KeyMaterial operator, SignedProposal p, String id, long nowMs) {
    Approval a =
        Approval.newBuilder()
            .setVersion(1)
            .setProposalId(id)
            .setProposalSha256(
                ByteString.copyFrom(Sha256.newDigest().digest(p.getBody().toByteArray())))
            .setApprover(operator.identity().toUri())
            .setSignedUnixMs(nowMs)
            .build();
    byte[] body = a.toByteArray();
    return SignedApproval.newBuilder()
        .setBody(ByteString.copyFrom(body))
        .setSignature(signature(operator, Signatures.APPROVAL, body))
        .build();
  }

  /** The genesis with no signature yet. */
  public static SignedGenesis unsigned(Genesis g) {
    return SignedGenesis.newBuilder().setBody(g.toByteString()).build();
  }

  /** Adds {@code operator}'s signature to the genesis. */
  public static SignedGenesis cosign(SignedGenesis g, KeyMaterial operator) {
    return g.toBuilder()
        .addSignatures(signature(operator, Signatures.GENESIS, g.getBody().toByteArray()))
        .build();
  }

  static OperatorSignature signature(KeyMaterial k, String domain, byte[] body) {
    try {
      return OperatorSignature.newBuilder()
          .setCertificateDer(ByteString.copyFrom(k.certificate().getEncoded()))
          .setSignature(ByteString.copyFrom(Signatures.sign(k.privateKey(), domain, body)))
          .build();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("the operator certificate cannot be encoded", e);
    }
  }
}
