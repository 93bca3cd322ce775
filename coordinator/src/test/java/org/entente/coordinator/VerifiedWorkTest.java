package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.entente.coordinator.ledger.Accounts;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.proto.v1.GetProposalRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardOutput;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.UsageReceipt;
import org.entente.proto.v1.VerificationEntry;
import org.entente.security.KeyMaterial;
import org.entente.security.Sha256;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Verified work in a real federation: inference shards of nodes without a track record run on nodes
 * of two nations and succeed only when their output digests agree. A lying agent (raw agents here,
 * returning an output of the test's choosing with a genuine signed receipt) is caught on its first
 * replicated shard, credited nothing and quarantined, and the log says why; two nodes of one nation
 * agreeing on a wrong output never carry a result.
 */
class VerifiedWorkTest {
  private static final byte[] GOOD = "row,score\n1,0.25\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BAD = "row,score\n1,0.99\n".getBytes(StandardCharsets.UTF_8);

  private static CoordinatorFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = CoordinatorFixture.start();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static String sha(byte[] b) {
    return HexFormat.of().formatHex(Sha256.newDigest().digest(b));
  }

  /** A raw agent that answers every assignment SUCCEEDED with {@code output}, signed. */
  private record Node(RawAgent agent, KeyMaterial keys, byte[] output) {}

  private static void store(JobFederation fed, byte[] content) throws Exception {
    fed.replica("DE")
        .artifacts()
        .put(new ByteArrayInputStream(content), sha(content), content.length);
  }

  private static JobSpec inference(String name, Set<String> jurisdictions, int retryLimit) {
    return JobSpec.newBuilder()
        .setName(name)
        .setKind("inference")
        .setShards(1)
        .setRetryLimit(retryLimit)
        .setResources(ShardResources.newBuilder().setGpus(1).setCpus(1))
        .setPlacement(PlacementRules.newBuilder().addAllJurisdictions(jurisdictions))
        .build();
  }

  /**
   * Answers each new assignment of {@code jobId} on any of {@code nodes} until {@code done}; the
   * receipts sent, by receipt id.
   */
  private static Map<String, UsageReceipt> serve(
      List<Node> nodes, String jobId, java.util.function.BooleanSupplier done) {
    Map<String, UsageReceipt> sent = new ConcurrentHashMap<>();
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              for (Node n : nodes) {
                for (ShardAssignment a : n.agent().assignments()) {
                  String id = LedgerFlowTest.receiptId(a);
                  if (!a.getJobId().equals(jobId) || sent.containsKey(id)) {
                    continue;
                  }
                  UsageReceipt r =
                      LedgerFlowTest.receipt(n.keys(), a, "SUCCEEDED")
                          .addOutputSha256(sha(n.output()))
                          .build();
                  sent.put(id, r);
                  n.agent()
                      .report(
                          ShardReport.newBuilder()
                              .setJobId(a.getJobId())
                              .setShard(a.getShard())
                              .setAttempt(a.getAttempt())
                              .setPhase(ShardPhase.SHARD_PHASE_SUCCEEDED)
                              .setMessage("done")
                              .setAtUnixMs(System.currentTimeMillis())
                              .setOutput(
                                  ShardOutput.newBuilder()
                                      .setSha256(sha(n.output()))
                                      .setSizeBytes(n.output().length)
                                      .setRows(1))
                              .setReceipt(LedgerFlowTest.sign(n.keys(), r))
                              .build());
                }
              }
              return done.getAsBoolean();
            });
    return sent;
  }

  private static UnaryOperator<CoordinatorSettings> settings() {
    return s -> {
      CoordinatorSettings fast = JobFlowTest.fast().apply(s);
      return fast.withScheduling(
          fast.scheduling().withVerification(new SchedulingSettings.Verification(3, 0.5)));
    };
  }

  private static Node node(JobFederation fed, String nation, String name, byte[] output) {
    return new Node(fed.node(nation, name), f.node(nation, name), output);
  }

  private static List<VerificationEntry> verdicts(List<byte[]> entries, String jobId)
      throws Exception {
    List<VerificationEntry> out = new ArrayList<>();
    for (byte[] e : entries) {
      LedgerEntry le = LedgerEntry.parseFrom(e);
      if (le.hasVerification() && le.getVerification().getJobId().equals(jobId)) {
        out.add(le.getVerification());
      }
    }
    return out;
  }

  @Test
  void lyingAgent_isCaughtOnItsFirstReplicatedShard_creditedNothing_andQuarantined()
      throws Exception {
    JobFederation fed = JobFederation.start(f, "verified", settings());
    store(fed, GOOD);
    store(fed, BAD);
    // The liar is alone at first, so the first run is its.
    Node liar = node(fed, "DE", "gpu-1", BAD);
    String id = fed.submit("FR", inference("scored", Set.of(), 1));
    LedgerFlowTest.awaitAnyAssignment(liar.agent(), id);
    Node fr = node(fed, "FR", "gpu-1", GOOD);
    Node jp = node(fed, "JP", "gpu-1", GOOD);
    Map<String, UsageReceipt> sent =
        serve(
            List.of(liar, fr, jp),
            id,
            () -> LedgerFlowTest.job(fed, "FR", id).getSummary().getState().equals("SUCCEEDED"));
    assertThat(sent).hasSize(3);
    var status = LedgerFlowTest.job(fed, "FR", id);
    assertThat(status.getShards(0).getOutput().getSha256()).isEqualTo(sha(GOOD));

    List<byte[]> entries = LedgerFlowTest.stored(fed.zk());
    LogVerifier v = LedgerFlowTest.verify(entries, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    List<VerificationEntry> verdicts = verdicts(entries, id);
    assertThat(verdicts)
        .extracting(VerificationEntry::getOutcome)
        .containsExactly("disagreement", "majority");
    VerificationEntry disagreement = verdicts.get(0);
    assertThat(disagreement.getRunsList())
        .extracting(r -> r.getNode() + "=" + r.getOutputSha256())
        .contains("DE/gpu-1=" + sha(BAD));
    VerificationEntry majority = verdicts.get(1);
    assertThat(majority.getAcceptedSha256()).isEqualTo(sha(GOOD));
    String liarReceipt = id + "/0#1";
    assertThat(majority.getWrongReceiptsList()).containsExactly(liarReceipt);
    assertThat(majority.getAgreeingReceiptsList()).hasSize(2).doesNotContain(liarReceipt);

    // Credit: the liar's nation gets nothing for the run; the job's nation pays for all three.
    Accounts a = v.accounts();
    assertThat(a.nation("DE").contributedGpuMs()).isZero();
    assertThat(a.checks("DE").withheldGpuMs()).isEqualTo(sent.get(liarReceipt).getGpuMs());
    long all = sent.values().stream().mapToLong(UsageReceipt::getGpuMs).sum();
    assertThat(a.nation("FR").consumedGpuMs()).isEqualTo(all);
    long honest =
        sent.entrySet().stream()
            .filter(e -> !e.getKey().equals(liarReceipt))
            .mapToLong(e -> e.getValue().getGpuMs())
            .sum();
    assertThat(a.nation("FR").contributedGpuMs() + a.nation("JP").contributedGpuMs())
        .isEqualTo(honest);

    // The audit shows why, and the node takes no new work.
    assertThat(v.tracks().quarantinedNodes()).containsExactly("DE/gpu-1");
    assertThat(v.tracks().of("DE/gpu-1").quarantine()).contains(sha(BAD)).contains(liarReceipt);
    String next = fed.submit("DE", inference("after", Set.of("DE"), 1));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> liar.agent().assignments().stream().noneMatch(x -> x.getJobId().equals(next)));
    assertThat(LedgerFlowTest.job(fed, "DE", next).getShards(0).getState()).isEqualTo("PENDING");

    // Release is governed: its own nation's approval alone is not a majority; with JP's it is.
    org.entente.proto.v1.Change release =
        org.entente.proto.v1.Change.newBuilder()
            .setRelease(org.entente.proto.v1.ReleaseNode.newBuilder().setNode("DE/gpu-1"))
            .build();
    String rid = fed.govern("DE", release, "DE");
    assertThat(fed.governance("FR").getProposal(GetProposalRequest.newBuilder().setId(rid).build()))
        .satisfies(
            st -> {
              assertThat(st.getOutcome()).isEqualTo("pending");
              assertThat(st.getApprovingNationsList()).containsExactly("DE");
              assertThat(st.getMissingNationsList()).containsExactly("FR", "JP");
            });
    assertThat(liar.agent().assignments()).noneMatch(x -> x.getJobId().equals(next));
    fed.governance("JP")
        .approve(
            org.entente.proto.v1.ApproveRequest.newBuilder()
                .setApproval(
                    org.entente.security.governance.Documents.approve(
                        f.operator("JP"),
                        fed.governance("JP")
                            .getProposal(GetProposalRequest.newBuilder().setId(rid).build())
                            .getProposal(),
                        rid,
                        CoordinatorFixture.CLOCK.millis()))
                .build());
    LedgerFlowTest.awaitAnyAssignment(liar.agent(), next);
    List<byte[]> after = LedgerFlowTest.stored(fed.zk());
    LogVerifier audited = LedgerFlowTest.verify(after, f.pki().bundle());
    assertThat(audited.problems()).isEmpty();
    assertThat(audited.tracks().quarantinedNodes()).isEmpty();
    assertThat(audited.tracks().of("DE/gpu-1").wrongTotal()).isEqualTo(1);
    assertThat(audited.tracks().of("DE/gpu-1").quarantined()).isFalse();
  }

  @Test
  void twoNodesOfOneNationAgreeingOnAWrongOutput_neverCarryTheResult() throws Exception {
    JobFederation fed = JobFederation.start(f, "collusion", settings());
    store(fed, GOOD);
    store(fed, BAD);
    Node de1 = node(fed, "DE", "gpu-1", BAD);
    String id = fed.submit("FR", inference("colluded", Set.of("DE", "FR"), 0));
    LedgerFlowTest.awaitAnyAssignment(de1.agent(), id);
    Node de2 = node(fed, "DE", "gpu-2", BAD);
    Node fr = node(fed, "FR", "gpu-1", GOOD);
    Map<String, UsageReceipt> sent =
        serve(
            List.of(de1, de2, fr),
            id,
            () -> LedgerFlowTest.job(fed, "FR", id).getSummary().getState().equals("FAILED"));
    // DE/gpu-1 wrong, FR checks it (another nation first), then DE/gpu-2 agrees with DE/gpu-1.
    assertThat(sent).hasSize(3);
    var status = LedgerFlowTest.job(fed, "FR", id);
    assertThat(status.getShards(0).hasOutput()).isFalse();
    assertThat(status.getSummary().getReason()).contains("agree");

    List<byte[]> entries = LedgerFlowTest.stored(fed.zk());
    LogVerifier v = LedgerFlowTest.verify(entries, f.pki().bundle());
    assertThat(v.problems()).isEmpty();
    List<VerificationEntry> verdicts = verdicts(entries, id);
    assertThat(verdicts)
        .extracting(VerificationEntry::getOutcome)
        .containsExactly("disagreement", "no-majority");
    assertThat(verdicts.get(1).getAcceptedSha256()).isEmpty();
    assertThat(verdicts.get(1).getWrongReceiptsList()).hasSize(3);
    assertThat(v.accounts().nation("DE").contributedGpuMs()).isZero();
    assertThat(v.tracks().quarantinedNodes()).isEmpty();
  }
}
