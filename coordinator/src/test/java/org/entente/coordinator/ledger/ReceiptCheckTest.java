package org.entente.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.coordinator.ledger.LedgerFixture.Run;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.KeyPairs;
import org.entente.security.LocalPki;
import org.entente.security.NationCa;
import org.entente.security.RevocationList;
import org.entente.security.Role;
import org.entente.security.Signatures;
import org.entente.security.Usage;
import org.junit.jupiter.api.Test;

/** The leader's check of an agent's receipt: signature first, then the facts it knows. */
class ReceiptCheckTest {
  private static final LedgerFixture F = new LedgerFixture();
  private static final FederationTrust.Snapshot TRUST =
      new FederationTrust.Snapshot(F.bundle, Map.of());
  private static final String OUT = "ab".repeat(32);
  private static final long T0 = LedgerFixture.T0;

  private final Run run = F.run("j1-1", 0, "DE/gpu-1", "FR", 2, 60_000);
  private final AttemptFacts facts = run.facts(List.of(OUT));

  private UsageReceipt.Builder usage() {
    return LedgerFixture.usage(run).addOutputSha256(OUT);
  }

  private static SignedReceipt sign(UsageReceipt.Builder u, String node) {
    return LedgerFixture.sign(u.build(), F.node(node));
  }

  /** The rule a refusal names, or "accepted". */
  private static String rule(Refusal r) {
    return r == null ? "accepted" : r.rule();
  }

  /** Both halves, as the leader runs them, with the report seen at the run's observed end. */
  private Refusal check(SignedReceipt s) {
    return ReceiptCheck.matchFacts(
        ReceiptCheck.verifySignature(s, T0, TRUST), facts, run.observedEndMs(), T0);
  }

  @Test
  void verifySignature_genuineReceipt_acceptedWithItsSigner() {
    SignedReceipt s = sign(usage(), "DE/gpu-1");

    ReceiptCheck.Signed signed = ReceiptCheck.verifySignature(s, T0, TRUST);

    assertThat(signed.refused()).isNull();
    assertThat(signed.signerNode()).isEqualTo("DE/gpu-1");
    assertThat(signed.receipt()).isEqualTo(usage().build());
    assertThat(signed.certificate()).isEqualTo(F.node("DE/gpu-1").certificate());
    assertThat(ReceiptCheck.matchFacts(signed, facts, run.observedEndMs(), T0)).isNull();
  }

  @Test
  void matchFacts_claimExactlyAtObservedBound_accepted() {
    long bound = ReceiptCheck.observedBound(facts, run.observedEndMs());

    assertThat(bound).isEqualTo(run.boundGpuMs()).isEqualTo((60_000 + 200) * 2);
    assertThat(check(sign(usage().setGpuMs(bound), "DE/gpu-1"))).isNull();
  }

  @Test
  void matchFacts_claimOneAboveObservedBound_overClaim() {
    Refusal r = check(sign(usage().setGpuMs(run.boundGpuMs() + 1), "DE/gpu-1"));

    assertThat(rule(r)).isEqualTo("over-claim");
    assertThat(r.detail()).contains("j1-1/0#1").contains(Long.toString(run.boundGpuMs()));
  }

  @Test
  void matchFacts_negativeClaim_overClaim() {
    assertThat(rule(check(sign(usage().setGpuMs(-1), "DE/gpu-1")))).isEqualTo("over-claim");
  }

  @Test
  void matchFacts_reportSeenBeforePlacement_boundIsZero() {
    Refusal r =
        ReceiptCheck.matchFacts(
            ReceiptCheck.verifySignature(sign(usage(), "DE/gpu-1"), T0, TRUST),
            facts,
            run.placedMs() - 1,
            T0);

    assertThat(rule(r)).isEqualTo("over-claim");
  }

  @Test
  void matchFacts_anotherNodeOfTheSameNationSignsItsOwnReceipt_signer() {
    Refusal r = check(sign(usage().setNode("DE/gpu-2"), "DE/gpu-2"));

    assertThat(rule(r)).isEqualTo("signer");
    assertThat(r.detail()).contains("DE/gpu-2").contains("DE/gpu-1");
  }

  @Test
  void matchFacts_anotherNodeSignsReceiptNamingThePlacedNode_signer() {
    assertThat(rule(check(sign(usage(), "DE/gpu-2")))).isEqualTo("signer");
  }

  @Test
  void matchFacts_nodeOfAnotherNation_signer() {
    assertThat(rule(check(sign(usage(), "FR/gpu-1")))).isEqualTo("signer");
  }

  @Test
  void matchFacts_rightSignerButBodyNamesAnotherNode_node() {
    assertThat(rule(check(sign(usage().setNode("DE/gpu-2"), "DE/gpu-1")))).isEqualTo("node");
    assertThat(rule(check(sign(usage().setNodeNation("FR"), "DE/gpu-1")))).isEqualTo("node");
  }

  @Test
  void matchFacts_receiptPastItsExpiry_expired() {
    SignedReceipt s = sign(usage(), "DE/gpu-1");
    ReceiptCheck.Signed signed = ReceiptCheck.verifySignature(s, T0, TRUST);
    long expires = signed.receipt().getExpiresUnixMs();

    assertThat(ReceiptCheck.matchFacts(signed, facts, run.observedEndMs(), expires)).isNull();
    assertThat(rule(ReceiptCheck.matchFacts(signed, facts, run.observedEndMs(), expires + 1)))
        .isEqualTo("expired");
  }

  @Test
  void matchFacts_chargesAnotherNation_chargedNation() {
    assertThat(rule(check(sign(usage().setChargedNation("JP"), "DE/gpu-1"))))
        .isEqualTo("charged-nation");
  }

  @Test
  void matchFacts_claimsMoreGpusThanAllocated_gpus() {
    assertThat(rule(check(sign(usage().setGpus(4), "DE/gpu-1")))).isEqualTo("gpus");
  }

  @Test
  void matchFacts_outputsDifferFromTheReport_outputs() {
    assertThat(rule(check(sign(usage().setOutputSha256(0, "cd".repeat(32)), "DE/gpu-1"))))
        .isEqualTo("outputs");
    assertThat(rule(check(sign(usage().clearOutputSha256(), "DE/gpu-1")))).isEqualTo("outputs");
    assertThat(rule(check(sign(usage().addOutputSha256(OUT), "DE/gpu-1")))).isEqualTo("outputs");
  }

  @Test
  void matchFacts_namesAnotherAttempt_attempt() {
    assertThat(rule(check(sign(usage().setAttempt(2), "DE/gpu-1")))).isEqualTo("attempt");
    assertThat(rule(check(sign(usage().setShard(1), "DE/gpu-1")))).isEqualTo("attempt");
    assertThat(rule(check(sign(usage().setJobId("j1-2"), "DE/gpu-1")))).isEqualTo("attempt");
  }

  @Test
  void matchFacts_unknownVersionOrEndBeforeStart_refused() {
    assertThat(rule(check(sign(usage().setVersion(2), "DE/gpu-1")))).isEqualTo("version");
    assertThat(rule(check(sign(usage().setEndUnixMs(run.startMs() - 1), "DE/gpu-1"))))
        .isEqualTo("times");
  }

  @Test
  void verifySignature_bodyTamperedAfterSigning_agentSignature() throws Exception {
    SignedReceipt s = sign(usage(), "DE/gpu-1");
    UsageReceipt raised = UsageReceipt.parseFrom(s.getBody()).toBuilder().setGpuMs(1).build();
    SignedReceipt tampered = s.toBuilder().setBody(raised.toByteString()).build();

    ReceiptCheck.Signed signed = ReceiptCheck.verifySignature(tampered, T0, TRUST);

    assertThat(rule(signed.refused())).isEqualTo("agent-signature");
    assertThat(signed.receipt()).isNull();
    assertThat(ReceiptCheck.matchFacts(signed, facts, run.observedEndMs(), T0))
        .isSameAs(signed.refused());
  }

  @Test
  void verifySignature_signedByAnotherKeyOrForAnotherPurpose_agentSignature() {
    byte[] body = usage().build().toByteArray();
    SignedReceipt good = sign(usage(), "DE/gpu-1");
    SignedReceipt otherKey =
        good.toBuilder()
            .setSignature(
                ByteString.copyFrom(
                    Signatures.sign(F.node("DE/gpu-2").privateKey(), Signatures.RECEIPT, body)))
            .build();
    SignedReceipt otherDomain =
        good.toBuilder()
            .setSignature(
                ByteString.copyFrom(
                    Signatures.sign(F.node("DE/gpu-1").privateKey(), Signatures.SEAL, body)))
            .build();

    assertThat(rule(ReceiptCheck.verifySignature(otherKey, T0, TRUST).refused()))
        .isEqualTo("agent-signature");
    assertThat(rule(ReceiptCheck.verifySignature(otherDomain, T0, TRUST).refused()))
        .isEqualTo("agent-signature");
    assertThat(
            rule(
                ReceiptCheck.verifySignature(good.toBuilder().clearSignature().build(), T0, TRUST)
                    .refused()))
        .isEqualTo("agent-signature");
  }

  @Test
  void verifySignature_garbageBodyOrCertificate_refusedWithoutException() {
    SignedReceipt good = sign(usage(), "DE/gpu-1");
    ByteString garbage = ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, 0x00});

    assertThat(
            rule(
                ReceiptCheck.verifySignature(good.toBuilder().setBody(garbage).build(), T0, TRUST)
                    .refused()))
        .isEqualTo("malformed");
    assertThat(
            rule(
                ReceiptCheck.verifySignature(
                        good.toBuilder().setCertificate(garbage).build(), T0, TRUST)
                    .refused()))
        .isEqualTo("certificate");
    assertThat(
            rule(
                ReceiptCheck.verifySignature(SignedReceipt.getDefaultInstance(), T0, TRUST)
                    .refused()))
        .isEqualTo("certificate");
  }

  @Test
  void verifySignature_certificateExpiredOrNotYetValid_certificate() {
    SignedReceipt s = sign(usage(), "DE/gpu-1");

    assertThat(
            rule(
                ReceiptCheck.verifySignature(s, T0 + Duration.ofDays(400).toMillis(), TRUST)
                    .refused()))
        .isEqualTo("certificate");
    assertThat(
            rule(
                ReceiptCheck.verifySignature(s, T0 - Duration.ofHours(1).toMillis(), TRUST)
                    .refused()))
        .isEqualTo("certificate");
  }

  @Test
  void verifySignature_revokedCertificate_certificate() {
    SignedReceipt s = sign(usage(), "DE/gpu-1");
    var serial = F.node("DE/gpu-1").certificate().getSerialNumber();
    FederationTrust.Snapshot revoked =
        new FederationTrust.Snapshot(
            F.bundle, Map.of("DE", new RevocationList("DE", 1, LedgerFixture.NOW, Set.of(serial))));

    ReceiptCheck.Signed signed = ReceiptCheck.verifySignature(s, T0, revoked);

    assertThat(rule(signed.refused())).isEqualTo("certificate");
    assertThat(signed.refused().detail()).contains("revoked");
  }

  @Test
  void verifySignature_coordinatorCertificate_signer() {
    Refusal r =
        ReceiptCheck.verifySignature(
                LedgerFixture.sign(usage().build(), F.coordinator("DE")), T0, TRUST)
            .refused();

    assertThat(rule(r)).isEqualTo("signer");
  }

  @Test
  void verifySignature_deCaMintsFrNodeIdentity_certificate() {
    KeyPair keys = KeyPairs.generateP256();
    var forged =
        F.pki
            .ca("DE")
            .issue(
                new NationCa.Issue(
                    keys.getPublic(),
                    "entente://FR/node/gpu-1",
                    List.of(),
                    LedgerFixture.NOW.minus(Duration.ofMinutes(5)),
                    LedgerFixture.NOW.plus(Duration.ofDays(30)),
                    EnumSet.of(Usage.CLIENT_AUTH),
                    false));
    SignedReceipt s =
        LedgerFixture.sign(
            usage().setNode("FR/gpu-1").setNodeNation("FR").build(),
            KeyMaterial.of(forged, keys.getPrivate()));

    Refusal r = ReceiptCheck.verifySignature(s, T0, TRUST).refused();

    assertThat(rule(r)).isEqualTo("certificate");
    assertThat(r.detail()).contains("DE root");
  }

  @Test
  void verifySignature_nodeOfANonMemberCaWithAMemberName_certificate() {
    LocalPki outsider = LocalPki.create(Clock.fixed(LedgerFixture.NOW, ZoneOffset.UTC), "DE");
    KeyMaterial impostor = outsider.issue(new Identity("DE", Role.NODE, "gpu-1"));

    Refusal r =
        ReceiptCheck.verifySignature(LedgerFixture.sign(usage().build(), impostor), T0, TRUST)
            .refused();

    assertThat(rule(r)).isEqualTo("certificate");
  }
}
