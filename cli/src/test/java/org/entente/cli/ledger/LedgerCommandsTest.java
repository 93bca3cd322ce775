package org.entente.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.TestFederation;
import org.entente.cli.TestZooKeeper;
import org.entente.cli.demo.LocalFederation;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CheckpointStatus;
import org.entente.proto.v1.EntriesChunk;
import org.entente.proto.v1.GetCheckpointRequest;
import org.entente.proto.v1.GetEntriesRequest;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.LedgerServiceGrpc;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger commands against one real federation (three replicas, one placeholder agent per
 * nation, mTLS on loopback, a real ZooKeeper): an audit by each nation's auditor, proofs checked
 * offline, and the attacks an auditor must catch (a doctored entry in ZooKeeper, a replica serving
 * another tree, a rollback or fork against the auditor's own record, a tampered proof).
 */
class LedgerCommandsTest {
  @TempDir static Path dir;
  private static TestingServer zk;
  private static LocalFederation fed;
  private static String coordinators;
  private static String jobId;

  @BeforeAll
  static void startFederation() throws Exception {
    zk = TestZooKeeper.start();
    fed = TestFederation.start(zk.getConnectString(), "/entente", dir.resolve("ids"));
    coordinators = String.join(",", fed.addresses());
    Path job =
        Files.writeString(
            dir.resolve("job.yaml"),
            """
            name: ledger-test
            kind: inference
            shards: 3
            resources:
              cpus: 1
              memory: 64Mi
            parameters:
              duration: 300ms
            """);
    JsonNode submitted =
        TestFederation.json(
            as("de-operator", "submit", job.toString(), "--json").succeeded().out());
    jobId = submitted.get("jobId").asText();
    await("job succeeded")
        .atMost(TestFederation.DEADLINE)
        .until(
            () ->
                TestFederation.json(as("de-operator", "job", jobId, "--json").out())
                    .path("summary")
                    .path("state")
                    .asText()
                    .equals("SUCCEEDED"));
    // Everything the job logged is under a checkpoint a majority cosigned.
    await("three receipts cosigned")
        .atMost(TestFederation.DEADLINE)
        .until(
            () ->
                audit("fr-auditor", dir.resolve("warmup.json")).path("receiptsCounted").asInt()
                    >= 3);
  }

  @AfterAll
  static void stopFederation() throws Exception {
    if (fed != null) {
      fed.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  private static Cli.Result as(String identity, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--coordinator",
            coordinators,
            "--identity",
            dir.resolve("ids").resolve(identity).toString()));
    return Cli.run(all.toArray(String[]::new));
  }

  private static JsonNode audit(String identity, Path state, String... more) {
    List<String> args =
        new ArrayList<>(List.of("ledger", "audit", "--json", "--state", state.toString()));
    args.addAll(List.of(more));
    Cli.Result r = as(identity, args.toArray(String[]::new));
    return r.out().isBlank() ? TestFederation.json("{}") : TestFederation.json(r.out());
  }

  @Test
  void audit_eachNationsAuditor_passesAndAgreesOnTheBalances() {
    List<JsonNode> audits = new ArrayList<>();
    for (String who : List.of("de-auditor", "fr-auditor", "jp-auditor")) {
      Cli.Result r =
          as(who, "ledger", "audit", "--json", "--state", dir.resolve(who + ".json").toString());
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      audits.add(TestFederation.json(r.out()));
    }
    JsonNode a = audits.get(0);
    assertThat(a.get("ok").asBoolean()).isTrue();
    assertThat(a.get("problems")).isEmpty();
    assertThat(a.get("cosignedBy").size()).isGreaterThanOrEqualTo(2);
    assertThat(a.get("nations").fieldNames()).toIterable().containsExactly("DE", "FR", "JP");
    // The job was DE's: DE consumed what every nation's node contributed to it.
    double consumed = a.get("nations").get("DE").get("consumedGpuHours").asDouble();
    double contributed = 0;
    for (String n : List.of("DE", "FR", "JP")) {
      contributed += a.get("nations").get(n).get("contributedGpuHours").asDouble();
    }
    // Each nation's hours are rounded on their own: their sum may differ in the last bits.
    assertThat(consumed).isCloseTo(contributed, org.assertj.core.api.Assertions.within(1e-9));
    // CPU-only nodes: three shards of 1 CPU for at least 300 ms each, credited to their nodes.
    double cpuConsumed = a.get("nations").get("DE").get("consumedCpuHours").asDouble();
    double cpuContributed = 0;
    for (String n : List.of("DE", "FR", "JP")) {
      cpuContributed += a.get("nations").get(n).get("contributedCpuHours").asDouble();
    }
    assertThat(cpuConsumed)
        .isCloseTo(cpuContributed, org.assertj.core.api.Assertions.within(1e-9))
        .isGreaterThanOrEqualTo(3 * 0.3 / 3600);
    for (JsonNode other : audits) {
      assertThat(other.get("rootHash")).isEqualTo(a.get("rootHash"));
      assertThat(other.get("treeSize")).isEqualTo(a.get("treeSize"));
      assertThat(other.get("nations")).isEqualTo(a.get("nations"));
    }
    // The auditor's own record now holds what it verified.
    assertThat(dir.resolve("fr-auditor.json")).content().contains(a.get("rootHash").asText());
  }

  @Test
  void audit_table_printsEachNationAndPasses() {
    Cli.Result r =
        as("jp-auditor", "ledger", "audit", "--state", dir.resolve("table.json").toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("NATION", "CONTRIBUTED GPU-h", "BALANCE GPU-h", "audit passed");
    assertThat(r.err()).contains("downloaded");
  }

  @Test
  void audit_unknownNation_exitsInvalid() {
    as(
            "fr-auditor",
            "ledger",
            "audit",
            "--nation",
            "XX",
            "--state",
            dir.resolve("x.json").toString())
        .oneLineError(ExitCodes.INVALID);
  }

  @Test
  void auditor_mayNotSubmitOrReadJobs() {
    assertThat(as("fr-auditor", "jobs").oneLineError(ExitCodes.DENIED))
        .contains("may read the ledger and nothing else");
  }

  @Test
  void audit_stateSaysALargerTreeWasSeen_reportsRollback() throws Exception {
    JsonNode ok = audit("de-auditor", dir.resolve("rb.json"));
    Path state = dir.resolve("rb.json");
    ObjectNode s = (ObjectNode) TestFederation.json(Files.readString(state));
    String log = s.fieldNames().next();
    // Far beyond what the live log can grow to between the two audits.
    ((ObjectNode) s.get(log)).put("size", ok.get("treeSize").asLong() + 1_000_000);
    Files.writeString(state, s.toString());

    Cli.Result r = as("de-auditor", "ledger", "audit", "--state", state.toString());

    assertThat(r.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
    assertThat(r.out()).contains("AUDIT FAILED", "rollback");
  }

  @Test
  void audit_stateRootDiffers_reportsRewrittenEntries() throws Exception {
    audit("de-auditor", dir.resolve("fork.json"));
    Path state = dir.resolve("fork.json");
    ObjectNode s = (ObjectNode) TestFederation.json(Files.readString(state));
    String log = s.fieldNames().next();
    ((ObjectNode) s.get(log)).put("rootHex", "00".repeat(32));
    Files.writeString(state, s.toString());

    Cli.Result r = as("de-auditor", "ledger", "audit", "--state", state.toString());

    assertThat(r.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
    assertThat(r.out()).contains("fork");
  }

  @Test
  void proof_verifiedOffline_andATamperedProofIsRefused() throws Exception {
    Path proof = dir.resolve("proof.json");
    as("fr-auditor", "ledger", "proof", jobId + "/1#1", "--out", proof.toString()).succeeded();
    Path trust = dir.resolve("ids/fr-auditor/trust");

    Cli.Result ok =
        Cli.run("ledger", "verify-proof", proof.toString(), "--trust", trust.toString());
    assertThat(ok.exitCode()).as(ok.out()).isZero();
    assertThat(ok.out()).contains("proof valid", jobId + "/1#1");

    ObjectNode p = (ObjectNode) TestFederation.json(Files.readString(proof));
    byte[] entry = java.util.Base64.getDecoder().decode(p.get("entry").asText());
    LedgerEntry e = LedgerEntry.parseFrom(entry);
    LedgerEntry forged =
        e.toBuilder()
            .setReceipt(
                e.getReceipt().toBuilder()
                    .setObserved(e.getReceipt().getObserved().toBuilder().setCreditedGpuMs(1)))
            .build();
    p.put("entry", java.util.Base64.getEncoder().encodeToString(forged.toByteArray()));
    Path bad = Files.writeString(dir.resolve("bad-proof.json"), p.toString());

    Cli.Result refused =
        Cli.run("ledger", "verify-proof", bad.toString(), "--trust", trust.toString());
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
    assertThat(refused.out()).contains("PROOF INVALID", "inclusion");
  }

  @Test
  void proof_unknownReceipt_notFound() {
    as("fr-auditor", "ledger", "proof", "j9-9/0#1").oneLineError(ExitCodes.NOT_FOUND);
  }

  @Test
  void audit_entryEditedInZooKeeper_failsNamingTheEntry() throws Exception {
    try (CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .namespace("entente")
            .retryPolicy(new RetryOneTime(100))
            .build()) {
      c.start();
      LedgerStore store = new LedgerStore(c);
      LedgerStore.Block block = store.block(0);
      int receipt = -1;
      for (int i = 0; i < block.chunk().getEntriesCount(); i++) {
        if (LedgerEntry.parseFrom(block.chunk().getEntries(i)).hasReceipt()) {
          receipt = i;
          break;
        }
      }
      assertThat(receipt).isNotNegative();
      LedgerEntry e = LedgerEntry.parseFrom(block.chunk().getEntries(receipt));
      LedgerEntry edited =
          e.toBuilder()
              .setReceipt(
                  e.getReceipt().toBuilder()
                      .setObserved(
                          e.getReceipt().getObserved().toBuilder()
                              .setCreditedGpuMs(
                                  e.getReceipt().getObserved().getCreditedGpuMs() + 3_600_000)))
              .build();
      byte[] original = c.getData().forPath(ZkPaths.ledgerBlock(0));
      EntriesChunk tampered =
          block.chunk().toBuilder().setEntries(receipt, edited.toByteString()).build();
      c.setData().forPath(ZkPaths.ledgerBlock(0), tampered.toByteArray());
      try {
        Cli.Result r =
            as("jp-auditor", "ledger", "audit", "--state", dir.resolve("tamper.json").toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
        long index = block.chunk().getFirstIndex() + receipt;
        assertThat(r.out())
            .contains("AUDIT FAILED")
            .contains("entry " + index + ": ")
            .contains("root-mismatch");
      } finally {
        c.setData().forPath(ZkPaths.ledgerBlock(0), original);
      }
    }
  }

  @Test
  void audit_replicaServingAnotherTree_splitViewIsCaught() throws Exception {
    KeyMaterial rogue = fed.pki().issue(new Identity("DE", Role.COORDINATOR, "rogue"), "127.0.0.1");
    KeyMaterial fetcher = fed.pki().issue(new Identity("DE", Role.AUDITOR, "rogue-client"));
    FederationTrust trust = new FederationTrust(fed.bundle());
    ManagedChannel honest =
        NettyChannelBuilder.forTarget(fed.addresses().get(0))
            .sslContext(
                TlsContexts.client(fetcher, trust, Clock.systemUTC(), Set.of(Role.COORDINATOR)))
            .build();
    LedgerServiceGrpc.LedgerServiceBlockingStub real = LedgerServiceGrpc.newBlockingStub(honest);
    // Serves the true checkpoint and cosignatures, but a tree in which one credit is larger.
    LedgerServiceGrpc.LedgerServiceImplBase split =
        new LedgerServiceGrpc.LedgerServiceImplBase() {
          @Override
          public void getCheckpoint(
              GetCheckpointRequest req, StreamObserver<CheckpointStatus> out) {
            out.onNext(real.getCheckpoint(req));
            out.onCompleted();
          }

          @Override
          public void getEntries(GetEntriesRequest req, StreamObserver<EntriesChunk> out) {
            Iterator<EntriesChunk> it = real.getEntries(req);
            boolean changed = false;
            while (it.hasNext()) {
              EntriesChunk c = it.next();
              EntriesChunk.Builder b = c.toBuilder();
              for (int i = 0; i < c.getEntriesCount() && !changed; i++) {
                try {
                  LedgerEntry e = LedgerEntry.parseFrom(c.getEntries(i));
                  if (e.hasReceipt()) {
                    var o =
                        e.getReceipt().getObserved().toBuilder()
                            .setCreditedGpuMs(e.getReceipt().getObserved().getCreditedGpuMs() + 1);
                    b.setEntries(
                        i,
                        e.toBuilder()
                            .setReceipt(e.getReceipt().toBuilder().setObserved(o))
                            .build()
                            .toByteString());
                    changed = true;
                  }
                } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
                  throw new IllegalStateException(ex);
                }
              }
              out.onNext(b.build());
            }
            out.onCompleted();
          }
        };
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(TlsContexts.server(rogue, trust, Clock.systemUTC()))
            .addService(split)
            .build()
            .start();
    try {
      Cli.Result r =
          Cli.run(
              "ledger",
              "audit",
              "--coordinator",
              "127.0.0.1:" + server.getPort(),
              "--identity",
              dir.resolve("ids/fr-auditor").toString(),
              "--state",
              dir.resolve("split.json").toString());

      assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(ExitCodes.VERIFY_FAILED);
      assertThat(r.out()).contains("root-mismatch");
      assertThat(dir.resolve("split.json")).doesNotExist();
    } finally {
      server.shutdownNow();
      honest.shutdownNow();
    }
  }
}
