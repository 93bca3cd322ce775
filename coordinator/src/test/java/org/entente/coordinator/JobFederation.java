package org.entente.coordinator;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.JobServiceGrpc;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.SubmitJobRequest;

/**
 * Three replicas (DE, FR, JP) on a chroot of their own, with helpers to submit jobs and connect raw
 * agents, for the job tests.
 */
final class JobFederation {
  static final List<String> NATIONS = List.of("DE", "FR", "JP");

  private final CoordinatorFixture f;
  private final String chroot;
  private final Map<String, Coordinator> replicas = new ConcurrentHashMap<>();
  private final UnaryOperator<CoordinatorSettings> customize;

  private JobFederation(
      CoordinatorFixture f, String chroot, UnaryOperator<CoordinatorSettings> customize) {
    this.f = f;
    this.chroot = chroot;
    this.customize = customize;
  }

  static JobFederation start(
      CoordinatorFixture f, String prefix, UnaryOperator<CoordinatorSettings> customize)
      throws Exception {
    JobFederation fed = new JobFederation(f, f.newChroot(prefix), customize);
    for (String n : NATIONS) {
      fed.replicas.put(n, f.startReplica(n, fed.chroot, customize));
    }
    CoordinatorFixture.awaitLeader(List.copyOf(fed.replicas.values()));
    return fed;
  }

  Coordinator replica(String nation) {
    return replicas.get(nation);
  }

  /** The job service of {@code nation}'s replica, as that nation's operator. */
  JobServiceGrpc.JobServiceBlockingStub jobs(String nation) {
    return f.jobs(replicas.get(nation), f.operator(nation));
  }

  /** The governance service of {@code nation}'s replica, as that nation's operator. */
  org.entente.proto.v1.GovernanceServiceGrpc.GovernanceServiceBlockingStub governance(
      String nation) {
    return f.governance(replicas.get(nation), f.operator(nation));
  }

  /**
   * Proposes {@code change} as {@code nation}'s operator through its replica, then approves it as
   * each of {@code approvers}' operators; returns the proposal id.
   */
  String govern(String nation, org.entente.proto.v1.Change change, String... approvers) {
    org.entente.proto.v1.SignedProposal p =
        org.entente.security.governance.Documents.propose(
            f.operator(nation), change, "test", CoordinatorFixture.CLOCK.millis(), 3_600_000);
    String id =
        governance(nation)
            .propose(org.entente.proto.v1.ProposeRequest.newBuilder().setProposal(p).build())
            .getId();
    for (String a : approvers) {
      governance(a)
          .approve(
              org.entente.proto.v1.ApproveRequest.newBuilder()
                  .setApproval(
                      org.entente.security.governance.Documents.approve(
                          f.operator(a), p, id, CoordinatorFixture.CLOCK.millis()))
                  .build());
    }
    return id;
  }

  /** The job service of {@code replicaNation}'s replica, as {@code operatorNation}'s operator. */
  JobServiceGrpc.JobServiceBlockingStub jobsVia(String replicaNation, String operatorNation) {
    return f.jobs(replicas.get(replicaNation), f.operator(operatorNation));
  }

  String submit(String nation, JobSpec spec) {
    return jobs(nation)
        .submitJob(
            SubmitJobRequest.newBuilder()
                .setSpec(spec)
                .setNation(nation)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getJobId();
  }

  /** A node of {@code nation} with one GPU, connected to that nation's replica. */
  RawAgent node(String nation, String name) {
    return node(nation, name, RawAgent.defaultResources());
  }

  RawAgent node(String nation, String name, NodeResources resources) {
    RawAgent a = f.agent(replicas.get(nation), f.node(nation, name));
    a.register(nation, name, resources).awaitRegistered();
    a.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    return a;
  }

  /**
   * A node of {@code nation} connected to {@code replicaNation}'s replica (any replica serves any
   * nation's nodes), with {@code onMessage} seeing every message that comes down, from the first.
   */
  RawAgent nodeVia(
      String replicaNation,
      String nation,
      String name,
      NodeResources resources,
      BiConsumer<RawAgent, CoordinatorMessage> onMessage) {
    RawAgent a = f.agent(replicas.get(replicaNation), f.node(nation, name));
    a.onMessage(m -> onMessage.accept(a, m));
    a.register(nation, name, resources).awaitRegistered();
    a.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    return a;
  }

  /** The nation of a running replica. */
  String nationOf(Coordinator c) {
    return replicas.entrySet().stream()
        .filter(e -> e.getValue() == c)
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("not a running replica of this federation"));
  }

  /** Reconnects a node to a surviving replica, saying it still runs this attempt. */
  RawAgent reconnect(String nation, String name, String jobId, int shard, int attempt) {
    Coordinator to = replicas.values().iterator().next();
    RawAgent a = f.agent(to, f.node(nation, name));
    a.send(
            AgentMessage.newBuilder()
                .setRegister(
                    Register.newBuilder()
                        .setNation(nation)
                        .setName(name)
                        .setResources(RawAgent.defaultResources())
                        .addShards(
                            ShardReport.newBuilder()
                                .setJobId(jobId)
                                .setShard(shard)
                                .setAttempt(attempt)
                                .setPhase(ShardPhase.SHARD_PHASE_RUNNING)))
                .build())
        .awaitRegistered();
    a.startHeartbeats(CoordinatorFixture.HEARTBEAT);
    return a;
  }

  Coordinator leader() {
    return CoordinatorFixture.awaitLeader(List.copyOf(replicas.values()));
  }

  void stop(Coordinator c) {
    replicas.values().remove(c);
    f.stop(c);
  }

  /**
   * Starts {@code nation}'s replica again (after {@link #stop}), with the federation's settings.
   */
  Coordinator restart(String nation) throws Exception {
    if (replicas.containsKey(nation)) {
      throw new IllegalStateException(nation + "'s replica is running");
    }
    Coordinator c = f.startReplica(nation, chroot, customize);
    replicas.put(nation, c);
    return c;
  }

  /** Waits until a replica other than {@code old} leads, and returns it. */
  Coordinator awaitNewLeader(Coordinator old) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> replicas.values().stream().anyMatch(c -> c != old && c.isLeader()));
    return replicas.values().stream()
        .filter(c -> c != old && c.isLeader())
        .findFirst()
        .orElseThrow();
  }

  /** A nation whose replica is not {@code old}. */
  String anyOtherNation(Coordinator old) {
    return replicas.entrySet().stream()
        .filter(e -> e.getValue() != old)
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  CuratorFramework zk() throws InterruptedException {
    return f.zk(chroot);
  }
}
