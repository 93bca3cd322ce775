package org.entente.bench;

import io.grpc.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.entente.agent.CoordinatorServices;
import org.entente.agent.NodeAgent;
import org.entente.agent.artifacts.ArtifactClient;
import org.entente.agent.artifacts.DataRoot;
import org.entente.agent.djl.InferenceRunner;
import org.entente.agent.djl.TrainingRunner;
import org.entente.agent.shards.RunnerRegistry;
import org.entente.agent.shards.ShardServices;
import org.entente.cli.client.FederationClient;
import org.entente.cli.demo.LocalFederation;
import org.entente.coordinator.Coordinator;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.SubmitJobRequest;

/**
 * A federation that really trains, in this JVM: the demo's {@link LocalFederation} (one coordinator
 * replica per nation, DE, FR and JP, with production settings and its own artifact store, and node
 * agents running the product's DJL runners over {@link CoordinatorServices}, all real mTLS peers on
 * loopback against one ZooKeeper), with each agent's services and runners wrapped by {@link
 * ShardTimings}, which records but changes nothing. Agents may read {@code file:} artifacts of
 * every nation's jobs under the parent of the work directory. An operator client of DE's, trying
 * DE's replica first. Not thread-safe to build; {@link #submit}, {@link #await}, {@link #job} and
 * {@link #download} may be called from any thread.
 */
final class DjlFederation implements AutoCloseable {
  static final List<String> NATIONS = List.of("DE", "FR", "JP");

  private final ShardTimings timings = new ShardTimings();
  private LocalFederation federation;
  private FederationClient client;

  private DjlFederation() {}

  /**
   * Starts the replicas and {@code agentsPerNation} agents per nation (named {@code gpu-01}, ...),
   * keeping stores and agents' caches under {@code workDir}, and waits until a leader is elected
   * and every agent is registered. Data files must be under {@code workDir}'s parent (the agents'
   * data root, open to every nation's jobs).
   */
  static DjlFederation start(String zkConnect, String chroot, Path workDir, int agentsPerNation)
      throws Exception {
    DjlFederation f = new DjlFederation();
    try {
      f.federation =
          LocalFederation.start(
              NATIONS,
              agentsPerNation,
              zkConnect,
              chroot,
              Duration.ofSeconds(10),
              workDir,
              f::runners,
              step -> {});
      f.client =
          new FederationClient(
              f.federation.operator("DE"), f.federation.bundle(), f.federation.addresses(), 30_000);
      f.awaitUp(Duration.ofSeconds(60));
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  /** The DJL runners, timed; the agent's directory is {@code .../NATION/name}. */
  private Function<Supplier<Channel>, RunnerRegistry> runners(
      Path agentDir, List<DataRoot> dataRoots) {
    String node = agentDir.getParent().getFileName() + "/" + agentDir.getFileName();
    return channel -> {
      ShardServices services;
      try {
        services =
            timings.wrap(
                new CoordinatorServices(channel, agentDir, SSLContext.getDefault(), dataRoots),
                node);
      } catch (IOException | NoSuchAlgorithmException e) {
        throw new IllegalStateException("cannot prepare " + agentDir + ": " + e.getMessage(), e);
      }
      return RunnerRegistry.of(
          Map.of(
              "training", timings.wrap(new TrainingRunner(services), node),
              "inference", timings.wrap(new InferenceRunner(services), node)));
    };
  }

  private void awaitUp(Duration within) throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < end) {
      if (leaderNation() != null
          && federation.agents().stream().allMatch(NodeAgent::isRegistered)) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    throw new IllegalStateException(
        "the federation did not come up in " + within.toSeconds() + " s");
  }

  /** Nation of the leading replica, or null while none leads. */
  String leaderNation() {
    return federation.coordinators().entrySet().stream()
        .filter(e -> e.getValue().isLeader())
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(null);
  }

  /** The leading replica, or null while none leads. */
  Coordinator leader() {
    return federation.coordinators().values().stream()
        .filter(Coordinator::isLeader)
        .findFirst()
        .orElse(null);
  }

  ShardTimings timings() {
    return timings;
  }

  /** Submits {@code spec} as the DE operator; returns the job id. */
  String submit(JobSpec spec) {
    return client
        .jobs(
            s ->
                s.submitJob(
                    SubmitJobRequest.newBuilder()
                        .setSpec(spec)
                        .setNation("DE")
                        .setRequestId(UUID.randomUUID().toString())
                        .build()))
        .getJobId();
  }

  JobStatus job(String id) {
    return client.jobs(s -> s.getJob(GetJobRequest.newBuilder().setJobId(id).build()));
  }

  /**
   * Waits without polling until the job's {@code shards} runner calls have returned (or {@code
   * within} passes), then polls it every {@code pollMs} until it ends; returns its status. Waiting
   * without polling matters on a small machine: GetJob calls every few milliseconds take CPU from
   * the shards' DJL threads.
   *
   * @throws IllegalStateException if it ends other than SUCCEEDED or is still running after {@code
   *     within}
   */
  JobStatus await(String id, int shards, Duration within, long pollMs) throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    timings.awaitRuns(id, shards, within.toMillis());
    while (System.nanoTime() < end) {
      JobStatus s;
      try {
        s = job(id);
      } catch (io.grpc.StatusRuntimeException e) {
        // A replica's view may trail the leader's for a moment right after a submission.
        if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(pollMs);
        continue;
      }
      String state = s.getSummary().getState();
      if (state.equals("SUCCEEDED")) {
        return s;
      }
      if (state.equals("FAILED") || state.equals("CANCELLED")) {
        throw new IllegalStateException(
            "job " + id + " ended " + state + ": " + s.getSummary().getReason());
      }
      TimeUnit.MILLISECONDS.sleep(pollMs);
    }
    throw new IllegalStateException(
        "job " + id + " did not end within " + within.toSeconds() + " s");
  }

  /** Downloads artifact {@code sha256} from the coordinators' store to {@code target}. */
  Path download(String sha256, Path target) throws IOException, InterruptedException {
    client.withChannel(ch -> new ArtifactClient(() -> ch).get(sha256, target, n -> {}));
    return target;
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    if (federation != null) {
      federation.close();
    }
  }
}
