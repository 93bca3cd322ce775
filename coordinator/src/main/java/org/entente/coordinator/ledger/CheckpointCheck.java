package org.entente.coordinator.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.Cosignature;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.security.Identity;
import org.entente.security.Role;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;

/**
 * Whether a checkpoint counts: signed by a member coordinator, and cosigned by coordinators of a
 * strict majority of the member nations (one vote per nation, each checked against that nation's
 * root). Stateless and pure.
 */
public final class CheckpointCheck {
  private CheckpointCheck() {}

  /**
   * The verdict.
   *
   * @param body the checkpoint, or null when its own signature fails
   * @param cosigners the nations whose cosignature verifies
   * @param problems why it does not count (empty when it counts)
   */
  public record Result(CheckpointBody body, Set<String> cosigners, List<Problem> problems) {
    public boolean counts() {
      return body != null && problems.isEmpty();
    }
  }

  /** The number of nations whose cosignatures make a checkpoint count. */
  public static int majority(TrustBundle bundle) {
    return bundle.nations().size() / 2 + 1;
  }

  public static Result check(CosignedCheckpoint c, TrustBundle bundle, String logId) {
    List<Problem> problems = new ArrayList<>();
    SignedCheckpoint sc = c.getCheckpoint();
    CheckpointBody body;
    try {
      body = CheckpointBody.parseFrom(sc.getBody());
    } catch (InvalidProtocolBufferException e) {
      problems.add(new Problem(-1, "checkpoint", "the checkpoint does not decode"));
      return new Result(null, Set.of(), problems);
    }
    Identity leader = signer(sc.getCertificate().toByteArray(), bundle, problems, "checkpoint");
    if (leader == null) {
      return new Result(null, Set.of(), problems);
    }
    if (!Signatures.verify(
        cert(sc.getCertificate().toByteArray()).getPublicKey(),
        Signatures.CHECKPOINT,
        sc.getBody().toByteArray(),
        sc.getSignature().toByteArray())) {
      problems.add(
          new Problem(-1, "checkpoint-signature", "the leader's signature does not verify"));
      return new Result(null, Set.of(), problems);
    }
    if (!body.getLogId().equals(logId)) {
      problems.add(
          new Problem(
              -1, "log-id", "the checkpoint is of log " + body.getLogId() + ", expected " + logId));
    }
    Set<String> cosigners = new TreeSet<>();
    for (Cosignature cs : c.getCosignaturesList()) {
      List<Problem> ignored = new ArrayList<>();
      Identity who = signer(cs.getCertificate().toByteArray(), bundle, ignored, "cosignature");
      if (who == null || !who.nation().equals(cs.getNation())) {
        problems.add(
            new Problem(
                -1,
                "cosignature",
                "a cosignature for "
                    + cs.getNation()
                    + " is not"
                    + " signed by a coordinator of "
                    + cs.getNation()));
        continue;
      }
      if (!Signatures.verify(
          cert(cs.getCertificate().toByteArray()).getPublicKey(),
          Signatures.COSIGN,
          sc.getBody().toByteArray(),
          cs.getSignature().toByteArray())) {
        problems.add(
            new Problem(-1, "cosignature", cs.getNation() + "'s cosignature does not verify"));
        continue;
      }
      cosigners.add(who.nation());
    }
    int need = majority(bundle);
    if (cosigners.size() < need) {
      problems.add(
          new Problem(
              -1,
              "cosigners",
              "checkpoint of size "
                  + body.getTreeSize()
                  + " is cosigned by "
                  + cosigners
                  + ", short of a majority ("
                  + need
                  + " of "
                  + bundle.nations().size()
                  + ")"));
    }
    return new Result(body, cosigners, problems);
  }

  private static Identity signer(byte[] der, TrustBundle bundle, List<Problem> out, String what) {
    try {
      Identity id = CertificateChains.identity(Signatures.certificate(der), bundle);
      if (id.role() != Role.COORDINATOR) {
        out.add(
            new Problem(-1, what, "the " + what + " is signed by " + id + ", not a coordinator"));
        return null;
      }
      return id;
    } catch (CertificateException | IllegalArgumentException e) {
      out.add(
          new Problem(-1, what, "the " + what + "'s certificate is refused: " + e.getMessage()));
      return null;
    }
  }

  private static X509Certificate cert(byte[] der) {
    try {
      return Signatures.certificate(der);
    } catch (CertificateException e) {
      throw new IllegalStateException(e); // parsed successfully just before
    }
  }
}
