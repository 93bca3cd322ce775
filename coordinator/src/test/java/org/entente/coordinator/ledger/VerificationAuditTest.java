package org.entente.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import org.entente.coordinator.ledger.LedgerFixture.Log;
import org.entente.coordinator.ledger.LedgerFixture.Run;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.QuarantineEntry;
import org.entente.proto.v1.RunOutput;
import org.entente.proto.v1.VerificationEntry;
import org.junit.jupiter.api.Test;

/**
 * The audit recomputes every verdict from the agents' signed output digests: a leader that credits
 * a wrong run, frames an honest node, lets one nation form a quorum, or quarantines without a
 * verdict is caught.
 */
class VerificationAuditTest {
  private static final LedgerFixture F = new LedgerFixture();
  private static final String GOOD = "a".repeat(64);
  private static final String BAD = "b".repeat(64);

  /** A replicated run's receipt, its output signed by its node, held for the check. */
  private static long held(Log log, Run r, String output) {
    return log.receipt(
        LedgerFixture.sign(
            LedgerFixture.usage(r).addOutputSha256(output).build(), F.node(r.node())),
        LedgerFixture.observation(r)
            .setCreditedGpuMs(r.gpuMs())
            .setNote("SUCCEEDED")
            .setHeldForCheck(true)
            .build());
  }

  private static RunOutput out(Run r, String sha) {
    return RunOutput.newBuilder()
        .setReceiptId(r.receiptId())
        .setNode(r.node())
        .setNodeNation(r.nodeNation())
        .setOutputSha256(sha)
        .build();
  }

  private static long verdict(Log log, VerificationEntry.Builder v) {
    return log.append(LedgerEntry.newBuilder().setVerification(v.setJobId("j9-1")).build());
  }

  /** Three runs of j9-1/0: DE wrong, FR and JP right. */
  private record Runs(Run de, Run fr, Run jp) {}

  private static Runs runs() {
    return new Runs(
        F.run("j9-1", 0, "DE/gpu-1", "FR", 1, 10_000).withAttempt(1),
        F.run("j9-1", 0, "FR/gpu-1", "FR", 1, 20_000).withAttempt(2),
        F.run("j9-1", 0, "JP/gpu-1", "FR", 1, 30_000).withAttempt(3));
  }

  private static VerificationEntry.Builder majority(Runs r) {
    return VerificationEntry.newBuilder()
        .setOutcome("majority")
        .addRuns(out(r.de(), BAD))
        .addRuns(out(r.fr(), GOOD))
        .addRuns(out(r.jp(), GOOD))
        .setAcceptedSha256(GOOD)
        .addAgreeingReceipts(r.fr().receiptId())
        .addAgreeingReceipts(r.jp().receiptId())
        .addWrongReceipts(r.de().receiptId());
  }

  @Test
  void honestVerdict_creditsTheAgreeingRuns_withholdsTheWrongOne_andQuarantines() {
    Runs r = runs();
    Log log = F.log();
    held(log, r.de(), BAD);
    held(log, r.fr(), GOOD);
    verdict(
        log,
        VerificationEntry.newBuilder()
            .setOutcome("disagreement")
            .addRuns(out(r.de(), BAD))
            .addRuns(out(r.fr(), GOOD)));
    log.seal();
    held(log, r.jp(), GOOD);
    verdict(log, majority(r));
    log.append(
        LedgerEntry.newBuilder()
            .setQuarantine(
                QuarantineEntry.newBuilder()
                    .setNode("DE/gpu-1")
                    .setQuarantined(true)
                    .setBy("leader")
                    .setReason("returned " + BAD))
            .build());
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems()).isEmpty();
    Accounts a = v.accounts();
    assertThat(a.nation("DE").contributedGpuMs()).isZero();
    assertThat(a.checks("DE").withheldGpuMs()).isEqualTo(r.de().gpuMs());
    assertThat(a.nation("FR").contributedGpuMs()).isEqualTo(r.fr().gpuMs());
    assertThat(a.nation("JP").contributedGpuMs()).isEqualTo(r.jp().gpuMs());
    assertThat(a.nation("FR").consumedGpuMs())
        .isEqualTo(r.de().gpuMs() + r.fr().gpuMs() + r.jp().gpuMs());
    assertThat(v.tracks().quarantinedNodes()).containsExactly("DE/gpu-1");
    assertThat(v.tracks().of("FR/gpu-1").agreeingRun()).isEqualTo(1);
    assertThat(v.tracks().of("DE/gpu-1").wrongTotal()).isEqualTo(1);
  }

  @Test
  void releaseWithoutAnApprovedProposal_quarantine_andTheNodeStaysQuarantined() {
    Runs r = runs();
    Log log = F.log();
    held(log, r.de(), BAD);
    held(log, r.fr(), GOOD);
    held(log, r.jp(), GOOD);
    verdict(log, majority(r));
    log.append(quarantine("DE/gpu-1", true, "leader"));
    long byLeader = log.append(quarantine("DE/gpu-1", false, "leader"));
    long byOneOperator = log.append(quarantine("DE/gpu-1", false, "entente://FR/operator/ops-1"));
    long unknownProposal =
        log.append(quarantine("DE/gpu-1", false, "governance:p-00000000000000aa"));
    long framed = log.append(quarantine("FR/gpu-1", true, "governance:p-00000000000000bb"));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(
            tuple(byLeader, "quarantine"),
            tuple(byOneOperator, "quarantine"),
            tuple(unknownProposal, "quarantine"),
            tuple(framed, "quarantine"));
    assertThat(v.tracks().quarantinedNodes()).contains("DE/gpu-1");
  }

  private static LedgerEntry quarantine(String node, boolean on, String by) {
    return LedgerEntry.newBuilder()
        .setQuarantine(
            QuarantineEntry.newBuilder().setNode(node).setQuarantined(on).setBy(by).setReason("r"))
        .build();
  }

  @Test
  void heldRunWithoutAVerdict_isChargedButNotYetCredited() {
    Runs r = runs();
    Log log = F.log();
    held(log, r.de(), GOOD);
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems()).isEmpty();
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.accounts().checks("DE").heldGpuMs()).isEqualTo(r.de().gpuMs());
    assertThat(v.accounts().nation("FR").consumedGpuMs()).isEqualTo(r.de().gpuMs());
  }

  @Test
  void leaderCreditsTheWrongRun_verification() {
    Runs r = runs();
    Log log = F.log();
    held(log, r.de(), BAD);
    held(log, r.fr(), GOOD);
    held(log, r.jp(), GOOD);
    long at =
        verdict(
            log,
            majority(r)
                .clearAgreeingReceipts()
                .clearWrongReceipts()
                .addAgreeingReceipts(r.de().receiptId())
                .addAgreeingReceipts(r.fr().receiptId())
                .addAgreeingReceipts(r.jp().receiptId()));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(at, "verification"));
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
  }

  @Test
  void leaderFramesAnHonestNode_withAnOutputItNeverSigned_verification() {
    Runs r = runs();
    Log log = F.log();
    held(log, r.de(), GOOD); // DE signed the right answer
    held(log, r.fr(), GOOD);
    held(log, r.jp(), GOOD);
    long at = verdict(log, majority(r)); // ... but the verdict says DE returned BAD
    long q =
        log.append(
            LedgerEntry.newBuilder()
                .setQuarantine(
                    QuarantineEntry.newBuilder()
                        .setNode("DE/gpu-1")
                        .setQuarantined(true)
                        .setBy("leader"))
                .build());
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(at, "verification"), tuple(q, "quarantine"));
    assertThat(v.problems().get(0).detail()).contains("the agent signed");
    assertThat(v.tracks().quarantinedNodes()).isEmpty();
  }

  @Test
  void twoNodesOfOneNation_cannotOutvoteAnother_verification() {
    Run de1 = F.run("j9-1", 0, "DE/gpu-1", "FR", 1, 10_000).withAttempt(1);
    Run fr = F.run("j9-1", 0, "FR/gpu-1", "FR", 1, 10_000).withAttempt(2);
    Run de2 = F.run("j9-1", 0, "DE/gpu-2", "FR", 1, 10_000).withAttempt(3);
    Log log = F.log();
    held(log, de1, BAD);
    held(log, fr, GOOD);
    held(log, de2, BAD);
    long at =
        verdict(
            log,
            VerificationEntry.newBuilder()
                .setOutcome("majority")
                .addRuns(out(de1, BAD))
                .addRuns(out(fr, GOOD))
                .addRuns(out(de2, BAD))
                .setAcceptedSha256(BAD)
                .addAgreeingReceipts(de1.receiptId())
                .addAgreeingReceipts(de2.receiptId())
                .addWrongReceipts(fr.receiptId()));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(at, "verification"));
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
  }

  @Test
  void verdictOnAnUnheldOrUnknownReceipt_verification() {
    Runs r = runs();
    Log log = F.log();
    log.receipt(r.de()); // credited at once, never held
    long at =
        verdict(
            log,
            VerificationEntry.newBuilder()
                .setOutcome("agreed")
                .addRuns(out(r.de(), ""))
                .addRuns(out(r.fr(), ""))
                .addAgreeingReceipts(r.de().receiptId())
                .addAgreeingReceipts(r.fr().receiptId()));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsOnly(tuple(at, "verification"))
        .hasSize(2); // one held nowhere, one never logged
    assertThat(List.of(v.accounts().nation("DE").contributedGpuMs()))
        .containsExactly(r.de().gpuMs());
  }

  /** A leader-only closure carrying the node's own receipt claiming {@code gpuMs}. */
  private static long refusedWithEvidence(Log log, Run r, long gpuMs) {
    return log.receipt(
        LedgerFixture.sign(LedgerFixture.usage(r).setGpuMs(gpuMs).build(), F.node(r.node())),
        LedgerFixture.observation(r).setLeaderOnly(true).setNote("receipt refused").build());
  }

  @Test
  void overClaimEvidence_justifiesTheQuarantine_andCreditsNothing() {
    Run r = F.run("j9-2", 0, "DE/gpu-1", "FR", 1, 10_000);
    Log log = F.log();
    refusedWithEvidence(log, r, r.boundGpuMs() + 1);
    log.append(quarantine("DE/gpu-1", true, "leader"));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems()).isEmpty();
    assertThat(v.tracks().quarantinedNodes()).containsExactly("DE/gpu-1");
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.accounts().nation("FR").consumedGpuMs()).isZero();
  }

  @Test
  void leaderFramingAnHonestNodeAsOverClaiming_leaderOnlyAndQuarantine() {
    Run r = F.run("j9-3", 0, "DE/gpu-1", "FR", 1, 10_000);
    Log log = F.log();
    long closure = refusedWithEvidence(log, r, r.boundGpuMs()); // at the bound: honest
    long framed = log.append(quarantine("DE/gpu-1", true, "leader"));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(closure, "leader-only"), tuple(framed, "quarantine"));
  }

  @Test
  void overClaimEvidenceSignedByAnotherNode_signer_andNoQuarantine() {
    Run r = F.run("j9-4", 0, "DE/gpu-1", "FR", 1, 10_000);
    Log log = F.log();
    long closure =
        log.receipt(
            LedgerFixture.sign(
                LedgerFixture.usage(r).setGpuMs(r.boundGpuMs() * 10).build(), F.node("DE/gpu-2")),
            LedgerFixture.observation(r).setLeaderOnly(true).build());
    long framed = log.append(quarantine("DE/gpu-1", true, "leader"));
    log.seal();

    LogVerifier v = F.verify(log.entries(), 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(closure, "signer"), tuple(framed, "quarantine"));
  }
}
