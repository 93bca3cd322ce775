package org.entente.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.entente.coordinator.ledger.LedgerFixture.Log;
import org.entente.coordinator.ledger.LedgerFixture.Run;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.transparency.MerkleTree;
import org.entente.security.transparency.Rfc6962;
import org.junit.jupiter.api.Test;

/**
 * Offline proofs, built as {@code LedgerReader.proof} builds them, against a log checkpointed by
 * the leader and cosigned by all three nations; then each part of the proof is tampered with.
 */
class ProofCheckTest {
  private static final LedgerFixture F = new LedgerFixture();
  private static final Log LOG = F.log();
  private static final long R1 = LOG.receipt(F.run("j1-1", 0, "DE/gpu-1", "FR", 2, 60_000));
  private static final long R2 = LOG.receipt(F.run("j1-1", 1, "FR/gpu-1", "FR", 1, 30_000));
  private static final long SEAL_A = LOG.seal();
  private static final long R3 = LOG.receipt(F.run("j1-2", 0, "JP/gpu-1", "DE", 4, 10_000));
  private static final long CLOSURE =
      LOG.leaderOnly(F.run("j1-3", 0, "FR/gpu-1", "JP", 2, 0), "node lost");
  private static final long SEAL_B = LOG.seal();
  private static final List<byte[]> ENTRIES = LOG.entries();
  private static final CosignedCheckpoint CHECKPOINT = LOG.checkpoint("DE", "FR", "JP");

  private static InclusionProof proof(long index) throws Exception {
    return LedgerFixture.proof(ENTRIES, index, CHECKPOINT);
  }

  private static ProofCheck.Result verify(InclusionProof p) {
    return ProofCheck.verify(p, F.bundle);
  }

  private static ByteString flipped(ByteString b, int at) {
    byte[] a = b.toByteArray();
    a[at] ^= 1;
    return ByteString.copyFrom(a);
  }

  @Test
  void verify_proofsOfEveryClosure_valid() throws Exception {
    for (long index : List.of(R1, R2, R3, CLOSURE)) {
      InclusionProof p = proof(index);

      ProofCheck.Result r = verify(p);

      assertThat(r.problems()).as("entry %d", index).isEmpty();
      assertThat(r.valid()).isTrue();
      assertThat(r.entry().hasReceipt()).isTrue();
      assertThat(r.checkpoint().getTreeSize()).isEqualTo(ENTRIES.size());
      assertThat(p.getSealIndex()).isEqualTo(index < SEAL_A ? SEAL_A : SEAL_B);
    }
  }

  @Test
  void verify_proofFromTheVerifiersOwnTree_sameAsTheLeaders() throws Exception {
    LogVerifier v = F.verify(ENTRIES, 1);
    MerkleTree tree = v.tree();

    assertThat(tree.root()).isEqualTo(LOG.book.tree().root());
    assertThat(proof(R3).getPathList().stream().map(ByteString::toByteArray).toList())
        .containsExactlyElementsOf(tree.inclusionProof(R3, tree.size()));
    assertThat(v.sealOf(R3)).isEqualTo(SEAL_B);
  }

  @Test
  void verify_entryByteFlipped_inclusion() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof bad = p.toBuilder().setEntry(flipped(p.getEntry(), 40)).build();

    ProofCheck.Result r = verify(bad);

    assertThat(r.valid()).isFalse();
    assertThat(r.problems())
        .extracting(Problem::index, Problem::rule)
        .contains(tuple(R3, "inclusion"), tuple(R3, "seal-digest"));
  }

  @Test
  void verify_pathElementFlipped_inclusion() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof bad = p.toBuilder().setPath(0, flipped(p.getPath(0), 0)).build();

    assertThat(verify(bad).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "inclusion"));
  }

  @Test
  void verify_sealByteFlipped_sealNotInTree() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof bad =
        p.toBuilder().setSeal(flipped(p.getSeal(), p.getSeal().size() - 1)).build();

    ProofCheck.Result r = verify(bad);

    assertThat(r.valid()).isFalse();
    assertThat(r.problems())
        .extracting(Problem::index, Problem::rule)
        .contains(tuple(SEAL_B, "inclusion"));
  }

  @Test
  void verify_anotherGenuineSealThatDoesNotCoverTheEntry_sealCoverage() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof other = proof(R1); // sealed by SEAL_A
    InclusionProof bad =
        p.toBuilder()
            .setSealIndex(other.getSealIndex())
            .setSeal(other.getSeal())
            .clearSealPath()
            .addAllSealPath(other.getSealPathList())
            .clearSealedLeafHashes()
            .addAllSealedLeafHashes(other.getSealedLeafHashesList())
            .build();

    assertThat(verify(bad).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "seal-coverage"));
  }

  @Test
  void verify_sealedLeafHashesEdited_sealDigestOrCoverage() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof edited =
        p.toBuilder().setSealedLeafHashes(0, flipped(p.getSealedLeafHashes(0), 3)).build();
    InclusionProof dropped =
        p.toBuilder()
            .clearSealedLeafHashes()
            .addAllSealedLeafHashes(
                p.getSealedLeafHashesList().subList(1, p.getSealedLeafHashesCount()))
            .build();

    assertThat(verify(edited).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "seal-digest"));
    assertThat(verify(dropped).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "seal-coverage"));
  }

  @Test
  void verify_checkpointRootEditedWithoutResigning_checkpointSignature() throws Exception {
    InclusionProof p = proof(R3);
    SignedCheckpoint sc = p.getCheckpoint().getCheckpoint();
    CheckpointBody body = CheckpointBody.parseFrom(sc.getBody());
    CheckpointBody other = body.toBuilder().setRootHash(flipped(body.getRootHash(), 0)).build();
    InclusionProof bad =
        p.toBuilder()
            .setCheckpoint(
                p.getCheckpoint().toBuilder()
                    .setCheckpoint(sc.toBuilder().setBody(other.toByteString())))
            .build();

    ProofCheck.Result r = verify(bad);

    assertThat(r.valid()).isFalse();
    assertThat(r.problems())
        .extracting(Problem::rule)
        .contains("checkpoint-signature", "inclusion");
  }

  @Test
  void verify_leaderResignsAnotherRoot_cosignaturesNoLongerHold() throws Exception {
    InclusionProof p = proof(R3);
    CheckpointBody body = CheckpointBody.parseFrom(p.getCheckpoint().getCheckpoint().getBody());
    SignedCheckpoint resigned =
        LedgerFixture.signCheckpoint(
            body.toBuilder().setRootHash(ByteString.copyFrom(Rfc6962.emptyRoot())).build(),
            LOG.leader);
    InclusionProof bad =
        p.toBuilder().setCheckpoint(p.getCheckpoint().toBuilder().setCheckpoint(resigned)).build();

    ProofCheck.Result r = verify(bad);

    assertThat(r.valid()).isFalse();
    assertThat(r.problems())
        .extracting(Problem::rule)
        .contains("cosignature", "cosigners", "inclusion")
        .doesNotContain("checkpoint-signature");
  }

  @Test
  void verify_cosignaturesDroppedBelowMajority_cosigners() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof two =
        p.toBuilder().setCheckpoint(p.getCheckpoint().toBuilder().removeCosignatures(0)).build();
    InclusionProof one =
        two.toBuilder()
            .setCheckpoint(two.getCheckpoint().toBuilder().removeCosignatures(0))
            .build();

    assertThat(verify(two).valid()).isTrue();
    assertThat(verify(one).problems()).extracting(Problem::rule).containsExactly("cosigners");
  }

  @Test
  void verify_agentCertificateRemoved_signer() throws Exception {
    InclusionProof p = proof(R3);
    assertThat(p.getCertificatesCount()).isEqualTo(2); // leader's, then agent's
    InclusionProof bad =
        p.toBuilder().clearCertificates().addCertificates(p.getCertificates(0)).build();

    assertThat(verify(bad).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "signer"));
  }

  @Test
  void verify_leaderCertificateRemoved_sealSigner() throws Exception {
    InclusionProof p = proof(R3);
    InclusionProof bad =
        p.toBuilder().clearCertificates().addCertificates(p.getCertificates(1)).build();

    assertThat(verify(bad).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(SEAL_B, "seal-signer"));
  }

  /** A log whose receipt entry {@code edit} rewrote, resealed and checkpointed by its leader. */
  private static InclusionProof rewrittenByLeader(
      UnaryOperator<UsageReceipt.Builder> agent, UnaryOperator<Observation.Builder> observed)
      throws Exception {
    List<byte[]> entries = new ArrayList<>(ENTRIES);
    entries.set((int) R3, LedgerFixture.editReceipt(entries.get((int) R3), agent, observed));
    entries = LedgerFixture.reseal(entries, LOG.leader);
    MerkleTree tree = new MerkleTree();
    entries.forEach(e -> tree.append(Rfc6962.leafHash(e)));
    CosignedCheckpoint cp =
        F.cosigned(
            LedgerFixture.checkpointBody(tree.size(), tree.root(), LedgerFixture.LOG_ID),
            LOG.leader,
            "DE",
            "FR",
            "JP");
    return LedgerFixture.proof(entries, R3, cp);
  }

  @Test
  void verify_agentBodyRaisedByLeaderWhoResealsAndCheckpoints_agentSignature() throws Exception {
    InclusionProof p = rewrittenByLeader(u -> u.setGpuMs(40_500), o -> o.setCreditedGpuMs(40_500));

    assertThat(verify(p).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "agent-signature"));
  }

  @Test
  void verify_creditAboveBoundResealedByLeader_overClaim() throws Exception {
    InclusionProof p =
        rewrittenByLeader(
            UnaryOperator.identity(), o -> o.setObservedEndUnixMs(o.getPlacedUnixMs()));

    assertThat(verify(p).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "over-claim"));
  }

  @Test
  void verify_creditDifferentFromAgentClaimResealedByLeader_mismatch() throws Exception {
    InclusionProof p = rewrittenByLeader(UnaryOperator.identity(), o -> o.setCreditedGpuMs(40_500));

    assertThat(verify(p).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(R3, "mismatch"));
  }

  @Test
  void verify_garbageProof_invalidWithoutException() throws Exception {
    InclusionProof p = proof(R3);

    assertThat(verify(InclusionProof.getDefaultInstance()).valid()).isFalse();
    assertThat(
            verify(p.toBuilder().setEntry(ByteString.copyFrom(new byte[] {(byte) 0xff})).build())
                .valid())
        .isFalse();
    assertThat(verify(p.toBuilder().setSeal(ByteString.copyFromUtf8("no seal")).build()).valid())
        .isFalse();
    assertThat(verify(p.toBuilder().setIndex(Long.MAX_VALUE).build()).valid()).isFalse();
  }

  /**
   * A leader that holds its key rewrites who is charged for a receipt the agent signed, reseals and
   * checkpoints; witnesses cosign because they check only that the tree grows. {@link LogVerifier}
   * flags the entry ("mismatch"); the proof of it should not verify either.
   */
  @Test
  void verify_chargedNationRewrittenByLeader_invalid() throws Exception {
    Log log = F.log();
    Run r = F.run("j9-1", 0, "DE/gpu-1", "DE", 1, 10_000);
    long index =
        log.receipt(
            F.signed(r),
            LedgerFixture.observation(r)
                .setChargedNation("FR")
                .setCreditedGpuMs(r.gpuMs())
                .build());
    log.seal();
    List<byte[]> entries = log.entries();
    assertThat(F.verify(entries, 1).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(index, "mismatch"));

    InclusionProof p = LedgerFixture.proof(entries, index, log.checkpoint("DE", "FR", "JP"));

    assertThat(verify(p).valid()).isFalse();
  }

  /** As above, for the nation the work is credited to. */
  @Test
  void verify_nodeNationRewrittenByLeader_invalid() throws Exception {
    Log log = F.log();
    Run r = F.run("j9-2", 0, "DE/gpu-1", "JP", 1, 10_000);
    long index =
        log.receipt(
            F.signed(r),
            LedgerFixture.observation(r).setNodeNation("FR").setCreditedGpuMs(r.gpuMs()).build());
    log.seal();
    List<byte[]> entries = log.entries();
    assertThat(F.verify(entries, 1).problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(index, "signer"));

    InclusionProof p = LedgerFixture.proof(entries, index, log.checkpoint("DE", "FR", "JP"));

    assertThat(verify(p).valid()).isFalse();
  }
}
