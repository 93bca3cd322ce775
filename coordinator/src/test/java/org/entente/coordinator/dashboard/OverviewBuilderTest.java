package org.entente.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.Resources;
import org.entente.coordinator.model.RosterEntry;
import org.entente.coordinator.model.ShardRecord;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.Cosignature;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.GetQuotasResponse;
import org.entente.proto.v1.NationQuota;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.ResourceAmounts;
import org.entente.proto.v1.SignedCheckpoint;
import org.junit.jupiter.api.Test;

class OverviewBuilderTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final Set<String> MEMBERS = Set.of("JP", "DE", "FR");

  private static Resources gpus(int n) {
    List<Resources.GpuRecord> g = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      g.add(new Resources.GpuRecord(i, "H100", 80L << 30));
    }
    return new Resources(64, 512L << 30, g, Map.of());
  }

  private static JobView.Job job(String id, long order, ShardRecord... shards) {
    JobSpec spec =
        new JobSpec(
            "train-" + id,
            "training",
            shards.length,
            new JobSpec.ShardAsk(1, 0, 1, 0),
            false,
            new JobSpec.Rules(Set.of(), false, Map.of(), ""),
            0,
            1,
            0,
            null,
            List.of(),
            Map.of());
    return new JobView.Job(
        new JobRecord(id, "DE", "op", "r", spec, order, NOW - 5_000, JobState.RUNNING, "", 0),
        List.of(shards));
  }

  private static ResourceAmounts amounts(long gpus, long cpus) {
    return ResourceAmounts.newBuilder().setGpus(gpus).setCpus(cpus).build();
  }

  private static OverviewBuilder.Facts facts(
      List<JobView.Job> jobs,
      ContributionTimeline timeline,
      CosignedCheckpoint cosigned,
      List<String> witnessAlarms,
      List<ProposalStatus> proposals) {
    Map<NodeKey, NodeRecord> live =
        Map.of(
            new NodeKey("DE", "gpu-01"),
            new NodeRecord("DE", "gpu-01", gpus(2), NodeState.ACTIVE, "DE/c@h:1", 0, "s"),
            new NodeKey("JP", "gpu-01"),
            new NodeRecord("JP", "gpu-01", gpus(1), NodeState.DRAINING, "JP/c@h:3", 0, "s"));
    Map<NodeKey, RosterEntry> roster =
        Map.of(
            new NodeKey("DE", "gpu-01"),
            new RosterEntry("DE", "gpu-01", gpus(2), NodeState.ACTIVE, "DE/c@h:1", 0, 0, 1),
            new NodeKey("FR", "gpu-02"),
            new RosterEntry("FR", "gpu-02", gpus(4), NodeState.LOST, "", 0, 0, 1));
    GetQuotasResponse quotas =
        GetQuotasResponse.newBuilder()
            .addNations(
                NationQuota.newBuilder()
                    .setNation("DE")
                    .setNominal(amounts(1, 8))
                    .setUsage(amounts(2, 2))
                    .setBorrowed(amounts(1, 0))
                    .setBorrowingLimit(amounts(4, 16))
                    .setContributed(amounts(2, 64))
                    .setSource("governed"))
            .build();
    return new OverviewBuilder.Facts(
        NOW,
        "FR/coordinator@h:2",
        "DE/coordinator@h:1",
        MEMBERS,
        live,
        roster,
        jobs,
        quotas,
        timeline,
        42,
        cosigned,
        witnessAlarms,
        List.of(),
        proposals);
  }

  @Test
  void build_listsEveryMemberWithItsNodes_liveStateOrLost_andShardsHeld() {
    ShardRecord running = ShardRecord.pending(0, 1).placed("DE/gpu-01", "fits", NOW, 1);
    ShardRecord waiting = ShardRecord.pending(1, 1);
    Overview o =
        OverviewBuilder.build(
            facts(
                List.of(job("j1-1", 1, running, waiting)),
                new ContributionTimeline(),
                null,
                List.of(),
                List.of()));

    assertThat(o.atMs()).isEqualTo(NOW);
    assertThat(o.replica()).isEqualTo("FR/coordinator@h:2");
    assertThat(o.leader()).isEqualTo("DE/coordinator@h:1");
    assertThat(o.nations()).extracting(Overview.Nation::name).containsExactly("DE", "FR", "JP");
    Overview.Nation de = o.nations().get(0);
    assertThat(de.nodes())
        .containsExactly(
            new Overview.Node(
                "gpu-01", "ACTIVE", 2, List.of("H100"), 64, 512L << 30, "DE/c@h:1", 1));
    assertThat(o.nations().get(1).nodes())
        .extracting(Overview.Node::name, Overview.Node::state, Overview.Node::gpus)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("gpu-02", "LOST", 4));
    assertThat(o.nations().get(2).nodes())
        .extracting(Overview.Node::state)
        .containsExactly("DRAINING");
  }

  @Test
  void build_showsQuotaAgainstNominalAndBorrowed_absentWhereTheReportHasNone() {
    Overview o =
        OverviewBuilder.build(
            facts(List.of(), new ContributionTimeline(), null, List.of(), List.of()));

    Overview.Quota de = o.nations().get(0).quota();
    assertThat(de.nominal()).isEqualTo(new Overview.Amounts(1, 8, 0));
    assertThat(de.used()).isEqualTo(new Overview.Amounts(2, 2, 0));
    assertThat(de.borrowed()).isEqualTo(new Overview.Amounts(1, 0, 0));
    assertThat(de.borrowingLimit()).isEqualTo(new Overview.Amounts(4, 16, 0));
    assertThat(de.source()).isEqualTo("governed");
    assertThat(o.nations().get(1).quota()).isNull();
  }

  @Test
  void build_listsJobsNewestFirstWithWhereEachShardRuns_atMostMaxJobs() {
    List<JobView.Job> jobs = new ArrayList<>();
    for (int i = 60; i >= 1; i--) {
      jobs.add(job("j1-" + i, i, ShardRecord.pending(0, 1).placed("FR/gpu-02", "", NOW, 1)));
    }

    Overview o =
        OverviewBuilder.build(facts(jobs, new ContributionTimeline(), null, List.of(), List.of()));

    assertThat(o.jobs()).hasSize(OverviewBuilder.MAX_JOBS);
    Overview.Job first = o.jobs().get(0);
    assertThat(first.id()).isEqualTo("j1-60");
    assertThat(first.name()).isEqualTo("train-j1-60");
    assertThat(first.kind()).isEqualTo("training");
    assertThat(first.state()).isEqualTo("RUNNING");
    assertThat(first.shards()).containsExactly(new Overview.Shard(0, "PLACED", "FR/gpu-02", 1));
  }

  @Test
  void build_withCosignedCheckpoint_showsSizeRootAndCosigners_andAuditOk() {
    CosignedCheckpoint cp =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(
                SignedCheckpoint.newBuilder()
                    .setBody(
                        CheckpointBody.newBuilder()
                            .setTreeSize(40)
                            .setRootHash(ByteString.copyFrom(new byte[] {(byte) 0xab, 0x01}))
                            .setAtUnixMs(NOW - 1_000)
                            .build()
                            .toByteString()))
            .addCosignatures(Cosignature.newBuilder().setNation("JP"))
            .addCosignatures(Cosignature.newBuilder().setNation("DE"))
            .build();

    Overview.Ledger l =
        OverviewBuilder.build(
                facts(List.of(), new ContributionTimeline(), cp, List.of(), List.of()))
            .ledger();

    assertThat(l.entries()).isEqualTo(42);
    assertThat(l.checkpoint())
        .isEqualTo(new Overview.Checkpoint(40, "ab01", NOW - 1_000, List.of("DE", "JP")));
    assertThat(l.audit()).isEqualTo("ok");
  }

  @Test
  void build_withWitnessAlarm_orUnreadableCheckpoint_reportsAlarm() {
    Overview.Ledger alarmed =
        OverviewBuilder.build(
                facts(
                    List.of(),
                    new ContributionTimeline(),
                    null,
                    List.of("rollback: size 3 after 7"),
                    List.of()))
            .ledger();
    assertThat(alarmed.audit()).isEqualTo("alarm");
    assertThat(alarmed.alarms()).containsExactly("rollback: size 3 after 7");
    assertThat(alarmed.checkpoint()).isNull();

    CosignedCheckpoint garbage =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(
                SignedCheckpoint.newBuilder()
                    .setBody(ByteString.copyFrom(new byte[] {(byte) 0xff})))
            .build();
    Overview.Ledger unreadable =
        OverviewBuilder.build(
                facts(List.of(), new ContributionTimeline(), garbage, List.of(), List.of()))
            .ledger();
    assertThat(unreadable.audit()).isEqualTo("alarm");
    assertThat(unreadable.alarms()).singleElement().asString().contains("unreadable");
  }

  @Test
  void build_carriesEachNationsContributionSeries_andOnlyPendingProposals() {
    ContributionTimeline t = new ContributionTimeline();
    t.add(ContributionTimelineTest.receipt("r", "JP", "DE", NOW - 10_000, 7_200_000, 0, false));
    t.add(ContributionTimelineTest.seal());
    ProposalStatus pending =
        ProposalStatus.newBuilder()
            .setId("p-0000000000000001")
            .setKind("set-threshold")
            .setSummary("threshold 1")
            .setProposer("entente://DE/operator/ops")
            .setExpiresUnixMs(NOW + 60_000)
            .addApprovingNations("DE")
            .addMissingNations("FR")
            .addMissingNations("JP")
            .setRequired(2)
            .setOutcome("pending")
            .build();
    ProposalStatus expired =
        pending.toBuilder().setId("p-0000000000000002").setOutcome("expired").build();

    Overview o =
        OverviewBuilder.build(facts(List.of(), t, null, List.of(), List.of(pending, expired)));

    Overview.Nation jp = o.nations().get(2);
    assertThat(jp.totals().contributedGpuHours()).isEqualTo(2.0);
    assertThat(jp.contributions()).containsExactly(new Overview.Point(NOW - 10_000, 2.0, 0, 0, 0));
    assertThat(o.nations().get(0).totals().consumedGpuHours()).isEqualTo(2.0);
    assertThat(o.proposals())
        .containsExactly(
            new Overview.Proposal(
                "p-0000000000000001",
                "set-threshold",
                "threshold 1",
                "entente://DE/operator/ops",
                NOW + 60_000,
                List.of("DE"),
                List.of("FR", "JP"),
                2));
  }
}
