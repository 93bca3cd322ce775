package org.entente.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.entente.agent.artifacts.ArtifactClient;
import org.entente.cli.client.FederationClient;
import org.entente.cli.demo.DemoData;
import org.entente.cluster.HistoryCheck.Acknowledged;
import org.entente.cluster.HistoryCheck.Closure;
import org.entente.cluster.HistoryCheck.QuotaSample;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CheckpointStatus;
import org.entente.proto.v1.EntriesChunk;
import org.entente.proto.v1.GetCheckpointRequest;
import org.entente.proto.v1.GetEntriesRequest;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.GetQuotasRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.NationQuota;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.ShardStatus;
import org.entente.proto.v1.SubmitJobRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operate issue's chaos suite: on the three-nation local cluster it keeps submitting jobs while
 * it kills the leading coordinator, kills the ZooKeeper leader, cuts the leader's nation off with
 * nft past the session timeout, pauses the leader past its session and kills an agent mid-shard;
 * then checks the recorded history ({@link HistoryCheck}) and audits the ledger on every nation.
 * Writes its figures to {@code target/cluster-report.md}.
 */
class ClusterChaosIT {
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static LocalCluster cluster;
  private static final Map<String, FederationClient> ops = new LinkedHashMap<>();

  private final List<Acknowledged> acked = new CopyOnWriteArrayList<>();
  private final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
  private final List<QuotaSample> quotas = new CopyOnWriteArrayList<>();
  private final List<String> submitErrors = new CopyOnWriteArrayList<>();
  private final Report report = new Report();
  private final AtomicBoolean running = new AtomicBoolean(true);

  @BeforeAll
  static void up() throws Exception {
    Path repo = Path.of("").toAbsolutePath().getParent();
    cluster = new LocalCluster(repo, Path.of("target/local-cluster").toAbsolutePath());
    cluster.up();
    for (String n : LocalCluster.NATIONS) {
      ops.put(n, cluster.client(n, "ops"));
    }
  }

  @AfterAll
  static void down() throws Exception {
    ops.values().forEach(FederationClient::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void jobsSurviveEveryFaultWithACleanHistory() throws Exception {
    DemoData.Written data =
        new DemoData(20261207L)
            .write(cluster.dir().resolve("data"), LocalCluster.NATIONS, 600, 300);
    FederationClient de = ops.get("DE");
    String model = trainedModel(de, data);
    String input =
        de.withChannel(ch -> new ArtifactClient(() -> ch).put(data.heldOut().path(), n -> {}))
            .getSha256();

    // The workload runs on a schedule beside the faults: a submission every 0.75 s after the
    // last one ended (each retried until acknowledged), a quota sample every second.
    java.util.concurrent.ScheduledExecutorService workload =
        java.util.concurrent.Executors.newScheduledThreadPool(2);
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    workload.scheduleWithFixedDelay(
        () -> submitOne(model, input, next.getAndIncrement()), 0, 750, TimeUnit.MILLISECONDS);
    workload.scheduleWithFixedDelay(this::sampleQuotas, 0, 1, TimeUnit.SECONDS);
    try {
      killLeaderCoordinator();
      killZooKeeperLeader();
      partitionLeaderNation();
      pauseLeader();
      killAgentMidShard();
      // Enough history to check however quickly the faults passed: the workload goes on until
      // more than 20 jobs were acknowledged, as many of them during the faults as they allowed.
      Awaitility.await("more than 20 acknowledged submissions")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> acked.size() > 20);
    } finally {
      running.set(false);
      workload.shutdown();
      assertThat(workload.awaitTermination(2, TimeUnit.MINUTES))
          .as("the workload's last submission ends")
          .isTrue();
    }

    List<Acknowledged> finals = drain(de);
    Map<String, String> roots = sameSizeRoots();
    List<Closure> closures = new ArrayList<>();
    List<Long> epochs = new ArrayList<>();
    readLedger(de, closures, epochs);
    HistoryCheck.Verdict v = HistoryCheck.check(finals, closures, epochs, quotas, roots);
    Map<String, Integer> audits = new LinkedHashMap<>();
    for (String n : LocalCluster.NATIONS) {
      LocalCluster.Run r = cluster.entente(n, "audit", n, "ledger", "audit", "--json");
      audits.put(n, r.exitCode());
      if (r.exitCode() != 0) {
        report.note("audit on " + n + " exited " + r.exitCode() + ": " + r.output());
      }
    }
    report.write(Path.of("target/cluster-report.md"), v, audits, roots, submitErrors.size());
    assertThat(acked).hasSizeGreaterThan(20);
    assertThat(v.problems()).isEmpty();
    assertThat(v.passed()).isTrue();
    assertThat(audits.values()).containsOnly(0);
  }

  // ---- workload ----

  private String trainedModel(FederationClient c, DemoData.Written data) {
    JobSpec.Builder b =
        JobSpec.newBuilder()
            .setName("cluster-fedavg")
            .setKind("training")
            .setShards(3)
            .setGang(true)
            .setRetryLimit(3)
            .setResources(ShardResources.newBuilder().setCpus(1).setMemoryBytes(512L << 20))
            .putParameters("model", "mlp")
            .putParameters("inputs", Integer.toString(DemoData.FEATURES))
            .putParameters("hidden", "16")
            .putParameters("classes", Integer.toString(DemoData.CLASSES))
            .putParameters("rounds", "4")
            .putParameters("localSteps", "10")
            .putParameters("batchSize", "32")
            .putParameters("learningRate", "0.05")
            .putParameters("minShards", "3")
            .putParameters("roundTimeout", "30s");
    for (String n : LocalCluster.NATIONS) {
      DemoData.File f = data.partitions().get(n);
      b.addData(
          Artifact.newBuilder()
              .setUri(f.path().toUri().toString())
              .setSha256(f.sha256())
              .setJurisdiction(n));
    }
    String id = submit(c, "DE", b.build(), "training-0");
    JobStatus s = awaitState(c, id, "SUCCEEDED", Duration.ofMinutes(5));
    return s.getTraining().getCheckpoint().getSha256();
  }

  private JobSpec inference(String model, String input, int k) {
    return JobSpec.newBuilder()
        .setName("cluster-score-" + k)
        .setKind("inference")
        .setShards(2)
        .setRetryLimit(5)
        .setResources(ShardResources.newBuilder().setCpus(1).setMemoryBytes(256L << 20))
        .setModel(Artifact.newBuilder().setUri(ArtifactClient.URI_PREFIX + model).setSha256(model))
        .addData(Artifact.newBuilder().setUri(ArtifactClient.URI_PREFIX + input).setSha256(input))
        .putParameters("batchSize", "128")
        .build();
  }

  private void submitOne(String model, String input, int k) {
    if (!running.get()) {
      return;
    }
    String nation = LocalCluster.NATIONS.get(k % 3);
    try {
      submit(ops.get(nation), nation, inference(model, input, k), "score-" + k);
    } catch (RuntimeException e) {
      submitErrors.add(k + ": " + e.getMessage());
    }
  }

  /**
   * Submits with one request id, retrying the same id for a minute: a retry after a lost answer
   * returns the first job, so an acknowledgement is one job.
   */
  private String submit(FederationClient c, String nation, JobSpec spec, String requestId) {
    long deadline = System.currentTimeMillis() + 60_000;
    RuntimeException last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        String id =
            c.jobs(
                    s ->
                        s.submitJob(
                            SubmitJobRequest.newBuilder()
                                .setSpec(spec)
                                .setNation(nation)
                                .setRequestId(requestId)
                                .build()))
                .getJobId();
        acked.add(new Acknowledged(id, "?"));
        ackedAt.put(id, System.currentTimeMillis());
        return id;
      } catch (RuntimeException e) {
        last = e;
        pause(Duration.ofMillis(500));
      }
    }
    throw last;
  }

  private void sampleQuotas() {
    FederationClient c = ops.get("FR");
    if (running.get()) {
      try {
        List<NationQuota> qs =
            c.jobs(s -> s.getQuotas(GetQuotasRequest.getDefaultInstance())).getNationsList();
        // The pool is every node the federation lists, live or within its grace period: a node
        // reconnecting after a failover still runs the shards it holds, though it contributes
        // nothing new until it is back.
        long pool =
            c.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList().stream()
                .mapToLong(n -> n.getResources().getCpuCores())
                .sum();
        long now = System.currentTimeMillis();
        for (NationQuota q : qs) {
          quotas.add(
              new QuotaSample(
                  now,
                  q.getNation(),
                  q.getUsage().getCpus(),
                  q.getNominal().getCpus(),
                  q.hasBorrowingLimit() ? q.getBorrowingLimit().getCpus() : -1,
                  pool));
        }
      } catch (RuntimeException e) {
        // a replica failing over: the next sample comes from another
      }
    }
  }

  // ---- faults ----

  private void killLeaderCoordinator() throws Exception {
    String leader = steadyLeader();
    long t0 = System.nanoTime();
    cluster.chaos("kill", "coordinator-" + lower(leader));
    awaitLeaderOtherThan(leader, t0, "kill -9 leader coordinator");
    awaitSubmissionAfter(t0, "kill -9 leader coordinator");
    cluster.chaos("start", "coordinator-" + lower(leader));
  }

  private void killZooKeeperLeader() throws Exception {
    steadyLeader();
    String zk = cluster.zooKeeperLeader();
    long t0 = System.nanoTime();
    cluster.chaos("kill", zk);
    awaitSubmissionAfter(t0, "kill -9 ZooKeeper leader (" + zk + ")");
    report.failover(
        "kill -9 ZooKeeper leader (" + zk + ")", Duration.ofNanos(System.nanoTime() - t0));
    cluster.chaos("start", zk);
  }

  private void partitionLeaderNation() throws Exception {
    String leader = steadyLeader();
    long t0 = System.nanoTime();
    cluster.chaos("partition", leader);
    try {
      awaitLeaderOtherThan(leader, t0, "nft partition of " + leader);
      awaitSubmissionAfter(t0, "nft partition of " + leader);
      // Past the session timeout several times over, so the cut nation's sessions expire.
      pause(SESSION.multipliedBy(3));
    } finally {
      cluster.chaos("heal", leader);
    }
  }

  private void pauseLeader() throws Exception {
    String leader = steadyLeader();
    long t0 = System.nanoTime();
    cluster.chaos("stop", "coordinator-" + lower(leader));
    try {
      awaitLeaderOtherThan(leader, t0, "SIGSTOP leader coordinator");
      awaitSubmissionAfter(t0, "SIGSTOP leader coordinator");
      pause(SESSION);
    } finally {
      cluster.chaos("cont", "coordinator-" + lower(leader));
    }
  }

  private void killAgentMidShard() throws Exception {
    steadyLeader();
    FederationClient c = ops.get("DE");
    String[] victim = new String[2];
    Awaitility.await("a shard running on some agent")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              for (Acknowledged a : List.copyOf(acked)) {
                JobStatus s =
                    c.jobs(x -> x.getJob(GetJobRequest.newBuilder().setJobId(a.jobId()).build()));
                for (ShardStatus sh : s.getShardsList()) {
                  if (sh.getState().equals("RUNNING")) {
                    victim[0] = a.jobId();
                    victim[1] = sh.getNode();
                    return true;
                  }
                }
              }
              return false;
            });
    String[] node = victim[1].split("/"); // NATION/gpu-0i
    String process = "agent-" + lower(node[0]) + "-" + node[1].substring(node[1].length() - 1);
    long t0 = System.nanoTime();
    cluster.chaos("kill", process);
    awaitState(c, victim[0], "SUCCEEDED", Duration.ofMinutes(3));
    report.recovery(
        "kill -9 agent mid-shard (" + victim[1] + ")", Duration.ofNanos(System.nanoTime() - t0));
    cluster.chaos("start", process);
  }

  // ---- waits ----

  /** Waits until exactly one replica leads and the cluster reports every process up. */
  private String steadyLeader() {
    return Awaitility.await("one leader and every node active")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(cluster::leaders, l -> l.size() == 1)
        .get(0);
  }

  private void awaitLeaderOtherThan(String old, long t0, String fault) {
    Awaitility.await("a leader other than " + old + " after " + fault)
        .atMost(SESSION.multipliedBy(6))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> cluster.leaders().stream().anyMatch(l -> !l.equals(old)));
    report.failover(fault, Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Waits for the first acknowledged submission after the fault: the path works again. */
  private void awaitSubmissionAfter(long t0, String fault) {
    long wall = System.currentTimeMillis() - Duration.ofNanos(System.nanoTime() - t0).toMillis();
    Awaitility.await("a submission acknowledged after " + fault)
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> ackedAt.values().stream().anyMatch(t -> t > wall));
    long first = ackedAt.values().stream().filter(t -> t > wall).min(Long::compare).orElseThrow();
    report.recovery(fault, Duration.ofMillis(first - wall));
  }

  private JobStatus awaitState(FederationClient c, String id, String state, Duration limit) {
    return Awaitility.await(id + " " + state)
        .atMost(limit)
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () -> c.jobs(s -> s.getJob(GetJobRequest.newBuilder().setJobId(id).build())),
            s -> s.getSummary().getState().equals(state));
  }

  // ---- the history afterwards ----

  private List<Acknowledged> drain(FederationClient c) {
    List<Acknowledged> finals = new ArrayList<>();
    for (Acknowledged a : acked) {
      String state;
      try {
        state =
            Awaitility.await(a.jobId() + " finished")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(
                    () ->
                        c.jobs(
                                s ->
                                    s.getJob(
                                        GetJobRequest.newBuilder().setJobId(a.jobId()).build()))
                            .getSummary()
                            .getState(),
                    s -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(s));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        state = lastState(c, a.jobId());
      }
      finals.add(new Acknowledged(a.jobId(), state));
    }
    return finals;
  }

  private static String lastState(FederationClient c, String id) {
    try {
      return c.jobs(s -> s.getJob(GetJobRequest.newBuilder().setJobId(id).build()))
          .getSummary()
          .getState();
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** Each nation's cosigned root, once all three have cosigned the same tree size. */
  private Map<String, String> sameSizeRoots() {
    Map<String, String> roots = new LinkedHashMap<>();
    Awaitility.await("every nation's replica at one cosigned size")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              roots.clear();
              Map<String, Long> sizes = new LinkedHashMap<>();
              for (String n : LocalCluster.NATIONS) {
                try (FederationClient own = singleReplica(n)) {
                  CheckpointStatus st =
                      own.ledger(l -> l.getCheckpoint(GetCheckpointRequest.getDefaultInstance()));
                  CheckpointBody b =
                      CheckpointBody.parseFrom(st.getCosigned().getCheckpoint().getBody());
                  sizes.put(n, b.getTreeSize());
                  roots.put(
                      n,
                      b.getTreeSize()
                          + ":"
                          + HexFormat.of().formatHex(b.getRootHash().toByteArray()));
                }
              }
              return sizes.values().stream().distinct().count() == 1;
            });
    return roots;
  }

  private static FederationClient singleReplica(String nation) {
    var id = org.entente.cli.client.IdentityDir.load(cluster.identity(nation, "audit"));
    return new FederationClient(
        id.keys(),
        id.trust(),
        List.of(LocalCluster.address(nation) + ":" + LocalCluster.COORDINATOR_PORT),
        10_000);
  }

  private static void readLedger(FederationClient c, List<Closure> closures, List<Long> epochs)
      throws Exception {
    java.util.Iterator<EntriesChunk> chunks =
        c.ledger(l -> l.getEntries(GetEntriesRequest.getDefaultInstance()));
    while (chunks.hasNext()) {
      for (com.google.protobuf.ByteString bytes : chunks.next().getEntriesList()) {
        LedgerEntry e = LedgerEntry.parseFrom(bytes);
        if (e.hasReceipt()) {
          var o = e.getReceipt().getObserved();
          closures.add(
              new Closure(
                  o.getReceiptId(),
                  o.getLeaderOnly(),
                  o.getCreditedGpuMs() + o.getCreditedCpuMs(),
                  o.getEpoch()));
          epochs.add(o.getEpoch());
        } else if (e.hasScheduling()) {
          epochs.add(e.getScheduling().getEpoch());
        }
      }
    }
  }

  private static String lower(String nation) {
    return nation.toLowerCase(java.util.Locale.ROOT);
  }

  private static void pause(Duration d) {
    try {
      // Only how long a fault lasts and a client's backoff between retries: time itself is
      // what these wait for, not a condition.
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Failover and recovery times per fault, and the verdict, as Markdown. */
  private static final class Report {
    private final Map<String, Duration> failover = new LinkedHashMap<>();
    private final Map<String, Duration> recovery = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    void failover(String fault, Duration d) {
      failover.put(fault, d);
    }

    void recovery(String fault, Duration d) {
      recovery.put(fault, d);
    }

    void note(String s) {
      notes.add(s);
    }

    void write(
        Path file,
        HistoryCheck.Verdict v,
        Map<String, Integer> audits,
        Map<String, String> roots,
        int submitErrors)
        throws java.io.IOException {
      StringBuilder b = new StringBuilder("# Local cluster chaos run\n\n");
      b.append(
          "| fault | to a new leader | to the next acknowledged submission |\n| --- | --- | --- |\n");
      for (String f : recovery.keySet()) {
        b.append("| ")
            .append(f)
            .append(" | ")
            .append(failover.containsKey(f) ? ms(failover.get(f)) : "-")
            .append(" | ")
            .append(ms(recovery.get(f)))
            .append(" |\n");
      }
      b.append("\nfailover p50/max: ")
          .append(stats(failover.values()))
          .append("; recovery p50/max: ")
          .append(stats(recovery.values()))
          .append("\n\n");
      b.append(
          String.format(
              "acknowledged jobs %d, lost %d, not succeeded %d; attempts closed %d, credited twice %d;"
                  + " epoch regressions %d; quota overspends %d; root mismatches %d; submissions"
                  + " given up %d%n",
              v.acknowledged(),
              v.lost(),
              v.notSucceeded(),
              v.closures(),
              v.creditedTwice(),
              v.epochRegressions(),
              v.quotaOverspends(),
              v.rootMismatches(),
              submitErrors));
      b.append("\nroots: ")
          .append(roots)
          .append("\naudit exit codes: ")
          .append(audits)
          .append('\n');
      v.problems().forEach(p -> b.append("- problem: ").append(p).append('\n'));
      notes.forEach(n -> b.append("- note: ").append(n).append('\n'));
      Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
      System.out.println(b);
    }

    private static String ms(Duration d) {
      return d.toMillis() + " ms";
    }

    private static String stats(java.util.Collection<Duration> ds) {
      List<Long> sorted = ds.stream().map(Duration::toMillis).sorted().toList();
      if (sorted.isEmpty()) {
        return "-";
      }
      return sorted.get((sorted.size() - 1) / 2) + " ms / " + sorted.get(sorted.size() - 1) + " ms";
    }
  }
}
