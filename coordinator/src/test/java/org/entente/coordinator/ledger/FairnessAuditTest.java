package org.entente.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.entente.coordinator.ledger.LedgerFixture.Log;
import org.entente.coordinator.ledger.LedgerFixture.Run;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.PlacementDecision;
import org.junit.jupiter.api.Test;

/**
 * The fairness audit, replayed by {@link LogVerifier} from scheduling entries logged as {@code
 * LedgerDuties.scheduling} logs them: DE may hold nominal 2 + borrowing 1 = 3 GPUs.
 */
class FairnessAuditTest {
  private static final LedgerFixture F = new LedgerFixture();
  private static final long GIB = 1L << 30;
  private static final Map<String, Quota> DE_2_PLUS_1 =
      Map.of(
          "DE",
          new Quota(new ResourceVector(2, 16, 64 * GIB), new ResourceVector(1, 8, 32 * GIB), null));

  private final Log log = F.log();
  private final Run a = F.run("j1-1", 0, "FR/gpu-1", "DE", 2, 10_000);
  private final Run b = F.run("j1-1", 1, "JP/gpu-1", "DE", 1, 10_000);
  private final Run c = F.run("j1-2", 0, "FR/gpu-1", "DE", 1, 10_000);

  private static PlacementDecision place(Run r) {
    return LedgerFixture.placement(r, "place");
  }

  private long pass(Map<String, Quota> quotas, PlacementDecision... decisions) {
    long index = log.scheduling(quotas, List.of(decisions));
    log.seal();
    return index;
  }

  private LogVerifier verify() {
    LogVerifier v = F.verify(log.entries(), 1);
    assertThat(v.problems()).isEmpty();
    return v;
  }

  @Test
  void policyJson_asTheLeaderWritesIt_namesNominalAndBorrowingGpus() {
    String json = LedgerFixture.policyJson(DE_2_PLUS_1);

    assertThat(json)
        .contains("\"fairShareWeights\":\"ledger-contributions\"")
        .contains("\"halfLifeMs\":3600000")
        .contains("\"quotas\":{\"DE\":{\"nominal\":{\"gpus\":2,")
        .contains("\"borrowingLimit\":{\"gpus\":1,")
        .contains("\"lendingLimit\":null");
  }

  @Test
  void scheduling_nationHeldAboveNominalPlusBorrowing_flagged() {
    pass(DE_2_PLUS_1, place(a), place(b));
    long over = pass(DE_2_PLUS_1, place(c));

    LogVerifier v = verify();

    assertThat(v.fairness().problems())
        .extracting(Problem::index, Problem::rule)
        .containsExactly(tuple(over, "fairness-quota"));
    assertThat(v.fairness().problems().get(0).detail())
        .contains("DE held 4 GPUs")
        .contains("ceiling of 3");
    assertThat(v.fairness().nations())
        .containsExactly(Map.entry("DE", new FairnessAudit.Nation(2, 3, 4, 1)));
    assertThat(v.scheduling()).hasSize(2);
  }

  @Test
  void scheduling_nationHeldAtItsCeiling_notFlagged() {
    pass(DE_2_PLUS_1, place(a));
    pass(DE_2_PLUS_1, place(b));

    LogVerifier v = verify();

    assertThat(v.fairness().problems()).isEmpty();
    assertThat(v.fairness().nations().get("DE")).isEqualTo(new FairnessAudit.Nation(2, 2, 3, 0));
  }

  @Test
  void scheduling_receiptClosedBeforeTheNextPass_releasesItsGpus() {
    pass(DE_2_PLUS_1, place(a), place(b));
    log.receipt(a);
    log.seal();
    pass(DE_2_PLUS_1, place(c));

    LogVerifier v = verify();

    assertThat(v.fairness().problems()).isEmpty();
    assertThat(v.fairness().nations().get("DE").maxGpusHeld()).isEqualTo(3);
  }

  @Test
  void scheduling_leaderOnlyClosure_releasesItsGpusToo() {
    pass(DE_2_PLUS_1, place(a), place(b));
    log.leaderOnly(a, "node lost");
    log.seal();
    pass(DE_2_PLUS_1, place(c));

    assertThat(verify().fairness().problems()).isEmpty();
  }

  @Test
  void scheduling_preemptionInThePass_releasesItsGpus() {
    pass(DE_2_PLUS_1, place(a), place(b));
    pass(DE_2_PLUS_1, LedgerFixture.placement(a, "preempt"), place(c));

    LogVerifier v = verify();

    assertThat(v.fairness().problems()).isEmpty();
    assertThat(v.fairness().nations().get("DE")).isEqualTo(new FairnessAudit.Nation(2, 3, 3, 0));
  }

  @Test
  void scheduling_eachPassJudgedByItsOwnPolicy() {
    Map<String, Quota> raised =
        Map.of(
            "DE",
            new Quota(
                new ResourceVector(3, 16, 64 * GIB), new ResourceVector(1, 8, 32 * GIB), null));
    pass(DE_2_PLUS_1, place(a), place(b));
    pass(raised, place(c)); // 4 GPUs, within 3 + 1

    assertThat(verify().fairness().problems()).isEmpty();
  }

  @Test
  void scheduling_noBorrowingLimitOrNoQuota_neverFlagged() {
    Map<String, Quota> unlimited = Map.of("DE", Quota.unlimited(new ResourceVector(1, 1, GIB)));
    List<PlacementDecision> many = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      many.add(place(F.run("j2-" + i, 0, "FR/gpu-1", "DE", 2, 1_000)));
      many.add(place(F.run("j2-" + i, 1, "JP/gpu-1", "FR", 2, 1_000)));
    }
    pass(unlimited, many.toArray(PlacementDecision[]::new));

    LogVerifier v = verify();

    assertThat(v.fairness().problems()).isEmpty();
    assertThat(v.fairness().nations().get("DE").maxGpusHeld()).isEqualTo(16);
    assertThat(v.fairness().nations().get("FR").maxGpusHeld()).isEqualTo(16);
  }

  @Test
  void scheduling_policyDigestNotMatchingItsPolicy_policyDigestAndPlacementsIgnored() {
    long good = pass(DE_2_PLUS_1, place(a), place(b));
    LedgerEntry e = LedgerFixture.parse(log.entries().get((int) good));
    String lax = LedgerFixture.policyJson(new HashMap<>());
    List<byte[]> entries = log.entries();
    entries.set(
        (int) good,
        e.toBuilder()
            .setScheduling(e.getScheduling().toBuilder().setPolicyJson(lax))
            .build()
            .toByteArray());

    LogVerifier v = F.verify(entries, 1);

    assertThat(v.problems())
        .extracting(Problem::index, Problem::rule)
        .contains(tuple(good, "policy-digest"));
    assertThat(v.scheduling()).isEmpty();
    assertThat(v.fairness().nations()).isEmpty();
  }
}
