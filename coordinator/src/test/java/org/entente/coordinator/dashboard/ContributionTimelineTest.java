package org.entente.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.SealEntry;
import org.entente.proto.v1.VerificationEntry;
import org.junit.jupiter.api.Test;

class ContributionTimelineTest {
  private static final long HOUR = 3_600_000;

  static LedgerEntry receipt(
      String id, String node, String charged, long endMs, long gpuMs, long cpuMs, boolean held) {
    return LedgerEntry.newBuilder()
        .setReceipt(
            ReceiptEntry.newBuilder()
                .setObserved(
                    Observation.newBuilder()
                        .setReceiptId(id)
                        .setNodeNation(node)
                        .setChargedNation(charged)
                        .setObservedEndUnixMs(endMs)
                        .setCreditedGpuMs(gpuMs)
                        .setCreditedCpuMs(cpuMs)
                        .setHeldForCheck(held)))
        .build();
  }

  static LedgerEntry seal() {
    return LedgerEntry.newBuilder().setSeal(SealEntry.getDefaultInstance()).build();
  }

  static LedgerEntry verdict(long atMs, String agreeing, String wrong) {
    VerificationEntry.Builder v = VerificationEntry.newBuilder().setAtUnixMs(atMs);
    if (agreeing != null) {
      v.addAgreeingReceipts(agreeing);
    }
    if (wrong != null) {
      v.addWrongReceipts(wrong);
    }
    return LedgerEntry.newBuilder().setVerification(v).build();
  }

  @Test
  void add_receiptBeforeItsSeal_countsNothing_thenCreditsNodeAndChargesJobNation() {
    ContributionTimeline t = new ContributionTimeline();

    t.add(receipt("j1-1/0#1", "DE", "FR", 5_000, 2 * HOUR, HOUR, false));
    assertThat(t.totals("DE").contributedGpuHours()).isZero();
    assertThat(t.series("FR", 10)).isEmpty();

    t.add(seal());
    assertThat(t.entries()).isEqualTo(2);
    assertThat(t.totals("DE").contributedGpuHours()).isEqualTo(2.0);
    assertThat(t.totals("DE").contributedCpuHours()).isEqualTo(1.0);
    assertThat(t.totals("DE").consumedGpuHours()).isZero();
    assertThat(t.totals("DE").receipts()).isEqualTo(1);
    assertThat(t.totals("FR").consumedGpuHours()).isEqualTo(2.0);
    assertThat(t.totals("FR").contributedGpuHours()).isZero();
    assertThat(t.series("DE", 10)).containsExactly(new Overview.Point(5_000, 2.0, 0, 1.0, 0));
    assertThat(t.series("FR", 10)).containsExactly(new Overview.Point(5_000, 0, 2.0, 0, 1.0));
  }

  @Test
  void add_receiptsOfOneSeal_accumulateInTimeOrder_neverGoingBackInTime() {
    ContributionTimeline t = new ContributionTimeline();
    t.add(receipt("a", "DE", "DE", 9_000, HOUR, 0, false));
    t.add(receipt("b", "DE", "DE", 3_000, HOUR, 0, false));
    t.add(seal());
    t.add(receipt("c", "DE", "DE", 1_000, HOUR, 0, false)); // ended earlier, sealed later
    t.add(seal());

    assertThat(t.series("DE", 10))
        .extracting(Overview.Point::atMs, Overview.Point::contributedGpuHours)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(3_000L, 1.0),
            org.assertj.core.groups.Tuple.tuple(9_000L, 3.0));
    assertThat(t.totals("DE").consumedGpuHours()).isEqualTo(3.0);
  }

  @Test
  void add_heldRun_chargesAtOnce_creditsOnlyWhenASealedVerdictAgrees() {
    ContributionTimeline t = new ContributionTimeline();
    t.add(receipt("ok", "JP", "DE", 1_000, HOUR, 0, true));
    t.add(receipt("bad", "FR", "DE", 1_000, HOUR, 0, true));
    t.add(seal());
    assertThat(t.totals("DE").consumedGpuHours()).isEqualTo(2.0);
    assertThat(t.totals("JP").contributedGpuHours()).isZero();

    t.add(verdict(4_000, "ok", "bad"));
    assertThat(t.totals("JP").contributedGpuHours()).isZero(); // not sealed yet
    t.add(seal());

    assertThat(t.totals("JP").contributedGpuHours()).isEqualTo(1.0);
    assertThat(t.series("JP", 10)).containsExactly(new Overview.Point(4_000, 1.0, 0, 0, 0));
    assertThat(t.totals("FR").contributedGpuHours()).isZero();
    assertThat(t.series("FR", 10)).isEmpty();
  }

  @Test
  void series_longerThanAsked_keepsFirstAndLastAndAtMostThatMany() {
    ContributionTimeline t = new ContributionTimeline();
    for (int i = 1; i <= 1000; i++) {
      t.add(receipt("r" + i, "DE", "DE", i * 1_000L, 36_000, 0, false));
      t.add(seal());
    }

    var points = t.series("DE", 50);

    assertThat(points).hasSize(50);
    assertThat(points.get(0).atMs()).isEqualTo(1_000);
    assertThat(points.get(49).atMs()).isEqualTo(1_000_000);
    assertThat(points.get(49).contributedGpuHours()).isCloseTo(10.0, within(1e-9));
    assertThat(points)
        .isSortedAccordingTo(java.util.Comparator.comparingLong(Overview.Point::atMs));
  }

  @Test
  void add_leaderOnlyClosureCreditingNothing_addsNoPoint() {
    ContributionTimeline t = new ContributionTimeline();
    t.add(
        LedgerEntry.newBuilder()
            .setReceipt(
                ReceiptEntry.newBuilder()
                    .setObserved(
                        Observation.newBuilder()
                            .setReceiptId("lost")
                            .setNodeNation("DE")
                            .setChargedNation("FR")
                            .setLeaderOnly(true)))
            .build());
    t.add(seal());

    assertThat(t.series("DE", 10)).isEmpty();
    assertThat(t.series("FR", 10)).isEmpty();
  }
}
