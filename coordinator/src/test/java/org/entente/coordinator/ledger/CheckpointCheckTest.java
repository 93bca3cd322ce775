package org.entente.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.Cosignature;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.SignedCheckpoint;
import org.junit.jupiter.api.Test;

/**
 * Whether a checkpoint counts: a member coordinator signed it and a majority of nations cosigned.
 */
class CheckpointCheckTest {
  private static final LedgerFixture F = new LedgerFixture();
  private static final CheckpointBody BODY =
      LedgerFixture.checkpointBody(12, new byte[32], LedgerFixture.LOG_ID);
  private static final SignedCheckpoint SIGNED =
      LedgerFixture.signCheckpoint(BODY, F.coordinator("DE"));

  private static CosignedCheckpoint with(Cosignature... cosignatures) {
    return CosignedCheckpoint.newBuilder()
        .setCheckpoint(SIGNED)
        .addAllCosignatures(java.util.List.of(cosignatures))
        .build();
  }

  private static Cosignature by(String nation) {
    return LedgerFixture.cosign(SIGNED, nation, F.coordinator(nation));
  }

  private static CheckpointCheck.Result check(CosignedCheckpoint c) {
    return CheckpointCheck.check(c, F.bundle, LedgerFixture.LOG_ID);
  }

  @Test
  void majority_threeNations_isTwo() {
    assertThat(CheckpointCheck.majority(F.bundle)).isEqualTo(2);
  }

  @Test
  void check_twoOfThreeCosign_counts() {
    CheckpointCheck.Result r = check(with(by("DE"), by("JP")));

    assertThat(r.counts()).isTrue();
    assertThat(r.problems()).isEmpty();
    assertThat(r.cosigners()).containsExactly("DE", "JP");
    assertThat(r.body()).isEqualTo(BODY);
  }

  @Test
  void check_allThreeCosign_counts() {
    assertThat(check(with(by("DE"), by("FR"), by("JP"))).cosigners())
        .containsExactly("DE", "FR", "JP");
  }

  @Test
  void check_oneOfThreeCosigns_doesNotCount() {
    CheckpointCheck.Result r = check(with(by("FR")));

    assertThat(r.counts()).isFalse();
    assertThat(r.cosigners()).containsExactly("FR");
    assertThat(r.problems()).extracting(Problem::rule).containsExactly("cosigners");
  }

  @Test
  void check_frKeyLabelledAsDe_notCounted() {
    Cosignature fake = LedgerFixture.cosign(SIGNED, "DE", F.coordinator("FR"));

    CheckpointCheck.Result r = check(with(fake, by("JP")));

    assertThat(r.counts()).isFalse();
    assertThat(r.cosigners()).containsExactly("JP");
    assertThat(r.problems()).extracting(Problem::rule).contains("cosignature", "cosigners");
  }

  @Test
  void check_deCertificateWithFrSignature_notCounted() {
    Cosignature mixed =
        by("DE").toBuilder()
            .setSignature(LedgerFixture.cosign(SIGNED, "FR", F.coordinator("FR")).getSignature())
            .build();

    CheckpointCheck.Result r = check(with(mixed, by("JP")));

    assertThat(r.counts()).isFalse();
    assertThat(r.cosigners()).containsExactly("JP");
  }

  @Test
  void check_duplicateCosignaturesOfOneNation_countOnce() {
    Cosignature again = LedgerFixture.cosign(SIGNED, "DE", F.coordinator("DE"));

    CheckpointCheck.Result r = check(with(by("DE"), again, by("DE")));

    assertThat(r.counts()).isFalse();
    assertThat(r.cosigners()).containsExactly("DE");
  }

  @Test
  void check_cosignatureWithTheCheckpointDomain_notCounted() {
    // The leader's own checkpoint signature is not a cosignature: domains are separate.
    Cosignature replayed = by("DE").toBuilder().setSignature(SIGNED.getSignature()).build();

    CheckpointCheck.Result r = check(with(replayed, by("JP")));

    assertThat(r.cosigners()).containsExactly("JP");
    assertThat(r.counts()).isFalse();
  }

  @Test
  void check_cosignatureByANode_notCounted() {
    Cosignature node = LedgerFixture.cosign(SIGNED, "FR", F.node("FR/gpu-1"));

    CheckpointCheck.Result r = check(with(node, by("JP")));

    assertThat(r.cosigners()).containsExactly("JP");
    assertThat(r.counts()).isFalse();
  }

  @Test
  void check_checkpointSignedByNode_refused() {
    SignedCheckpoint byNode = LedgerFixture.signCheckpoint(BODY, F.node("DE/gpu-1"));
    CosignedCheckpoint c =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(byNode)
            .addCosignatures(LedgerFixture.cosign(byNode, "DE", F.coordinator("DE")))
            .addCosignatures(LedgerFixture.cosign(byNode, "FR", F.coordinator("FR")))
            .build();

    CheckpointCheck.Result r = check(c);

    assertThat(r.counts()).isFalse();
    assertThat(r.body()).isNull();
    assertThat(r.problems()).extracting(Problem::rule).containsExactly("checkpoint");
    assertThat(r.problems().get(0).detail()).contains("not a coordinator");
  }

  @Test
  void check_leaderSignatureOverOtherBytes_checkpointSignature() {
    CheckpointBody other = BODY.toBuilder().setTreeSize(13).build();
    SignedCheckpoint swapped = SIGNED.toBuilder().setBody(other.toByteString()).build();
    CosignedCheckpoint c =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(swapped)
            .addCosignatures(LedgerFixture.cosign(swapped, "DE", F.coordinator("DE")))
            .addCosignatures(LedgerFixture.cosign(swapped, "FR", F.coordinator("FR")))
            .build();

    CheckpointCheck.Result r = check(c);

    assertThat(r.counts()).isFalse();
    assertThat(r.problems()).extracting(Problem::rule).containsExactly("checkpoint-signature");
  }

  @Test
  void check_checkpointOfAnotherLog_logIdFlagged() {
    CheckpointCheck.Result r =
        CheckpointCheck.check(with(by("DE"), by("FR")), F.bundle, "entente/42");

    assertThat(r.counts()).isFalse();
    assertThat(r.problems()).extracting(Problem::rule).containsExactly("log-id");
    assertThat(r.cosigners()).containsExactly("DE", "FR");
  }

  @Test
  void check_garbage_refusedWithoutException() {
    CosignedCheckpoint garbageBody =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(
                SIGNED.toBuilder().setBody(ByteString.copyFrom(new byte[] {(byte) 0xff})))
            .build();
    CosignedCheckpoint garbageCert =
        with(
            by("DE").toBuilder().setCertificate(ByteString.copyFromUtf8("not DER")).build(),
            by("FR"));

    assertThat(check(garbageBody).problems())
        .extracting(Problem::rule)
        .containsExactly("checkpoint");
    assertThat(check(CosignedCheckpoint.getDefaultInstance()).counts()).isFalse();
    assertThat(check(garbageCert).cosigners()).containsExactly("FR");
    assertThat(
            check(
                    CosignedCheckpoint.newBuilder()
                        .setCheckpoint(SIGNED.toBuilder().setCertificate(ByteString.EMPTY))
                        .build())
                .body())
        .isNull();
  }
}
