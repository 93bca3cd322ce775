package org.entente.coordinator.jobs;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.membership.AgentSession;
import org.entente.coordinator.membership.MembershipKeeper;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.proto.v1.CancelShard;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardReportAck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every replica's link between the state of record and the agents whose streams it holds: when a
 * shard is placed on such a node the agent gets the assignment, when it is taken back the agent
 * gets a cancellation, and what agents report goes to the leader and is acknowledged once settled.
 * Unsettled reports are retried until the leader takes them or the stream ends (the agent resends
 * them when it registers again). Thread-safe.
 */
public final class ShardDispatcher implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ShardDispatcher.class);
  private static final int MAX_MESSAGE = 4096;
  private static final int MAX_UNSETTLED = 10_000;

  private final JobView view;
  private final MembershipKeeper keeper;
  private final LeaderLink leader;
  private final Map<AgentSession, Unsettled> unsettled = new ConcurrentHashMap<>();
  private final ScheduledExecutorService retry =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "entente-dispatch");
            t.setDaemon(true);
            return t;
          });

  /** Reports of one stream not yet settled by the leader, in arrival order. */
  private static final class Unsettled {
    final Map<String, ShardReport> reports = new LinkedHashMap<>();
    boolean inFlight;
  }

  public ShardDispatcher(JobView view, MembershipKeeper keeper, LeaderLink leader) {
    this.view = view;
    this.keeper = keeper;
    this.leader = leader;
    view.onShardChange(this::changed);
  }

  public void start() {
    retry.scheduleWithFixedDelay(this::retryAll, 500, 500, TimeUnit.MILLISECONDS);
  }

  /**
   * A node registered here: pass on what it says it runs, cancel attempts that are no longer its,
   * and send the assignments it should hold.
   */
  public void attach(AgentSession s, List<ShardReport> reported) {
    String node = s.key().toString();
    Set<String> runningHere = new java.util.HashSet<>();
    for (ShardReport r : reported) {
      validate(r);
      if (r.getPhase() == ShardPhase.SHARD_PHASE_RUNNING) {
        runningHere.add(key(r.getJobId(), r.getShard(), r.getAttempt()));
      }
      queue(s, r);
    }
    for (Map.Entry<String, ShardRecord> e : view.holdingNode(node)) {
      ShardRecord shard = e.getValue();
      if (!runningHere.remove(key(e.getKey(), shard.index(), shard.attempt()))) {
        assign(s, e.getKey(), shard);
      }
    }
    // Whatever else the agent runs was taken back while it was away.
    for (String k : runningHere) {
      String[] p = k.split("#");
      s.send(
          cancel(
              p[0],
              Integer.parseInt(p[1]),
              Integer.parseInt(p[2]),
              "no longer assigned to " + node));
    }
    flush(s);
  }

  /** An agent reported on an attempt. */
  public void report(AgentSession s, ShardReport r) {
    validate(r);
    queue(s, r);
    flush(s);
  }

  public static void validate(ShardReport r) {
    if (!r.getJobId().matches("j[0-9]{1,18}-[0-9]{1,18}")) {
      throw new InvalidRequestException("shard_report.job_id", "not a job id");
    }
    if (r.getShard() < 0 || r.getShard() >= JobSpec.MAX_SHARDS) {
      throw new InvalidRequestException("shard_report.shard", "out of range");
    }
    if (r.getAttempt() < 1) {
      throw new InvalidRequestException("shard_report.attempt", "attempts start at 1");
    }
    if (r.getPhase() == ShardPhase.SHARD_PHASE_UNSPECIFIED
        || r.getPhase() == ShardPhase.UNRECOGNIZED) {
      throw new InvalidRequestException("shard_report.phase", "must be set");
    }
    if (r.getMessage().length() > MAX_MESSAGE) {
      throw new InvalidRequestException(
          "shard_report.message", "at most " + MAX_MESSAGE + " characters");
    }
    if (r.hasOutput()) {
      if (r.getPhase() != ShardPhase.SHARD_PHASE_SUCCEEDED) {
        throw new InvalidRequestException("shard_report.output", "only a SUCCEEDED report has one");
      }
      if (!r.getOutput().getSha256().matches("[0-9a-f]{64}")) {
        throw new InvalidRequestException("shard_report.output.sha256", "64 lowercase hex digits");
      }
      if (r.getOutput().getSizeBytes() < 0 || r.getOutput().getRows() < 0) {
        throw new InvalidRequestException("shard_report.output", "sizes are not negative");
      }
    }
  }

  private void queue(AgentSession s, ShardReport r) {
    Unsettled u = unsettled.computeIfAbsent(s, k -> new Unsettled());
    synchronized (u) {
      if (u.reports.size() >= MAX_UNSETTLED) {
        throw new InvalidRequestException(
            "shard_report", "too many unsettled reports; wait for acknowledgements");
      }
      u.reports.put(key(r.getJobId(), r.getShard(), r.getAttempt()) + "#" + r.getPhase(), r);
    }
  }

  private void flush(AgentSession s) {
    Unsettled u = unsettled.get(s);
    if (u == null) {
      return;
    }
    List<ShardReport> batch;
    synchronized (u) {
      if (u.inFlight || u.reports.isEmpty()) {
        return;
      }
      u.inFlight = true;
      batch = new ArrayList<>(u.reports.values());
    }
    CompletableFuture<List<Boolean>> sent;
    try {
      sent = leader.report(s.key(), batch);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (settled, err) -> {
          synchronized (u) {
            u.inFlight = false;
            if (err == null) {
              for (int i = 0; i < batch.size(); i++) {
                if (i < settled.size() && settled.get(i)) {
                  ShardReport r = batch.get(i);
                  u.reports.remove(
                      key(r.getJobId(), r.getShard(), r.getAttempt()) + "#" + r.getPhase());
                  s.send(ack(r));
                }
              }
            }
          }
          if (err != null) {
            log.debug("reports of {} not settled yet: {}", s.key(), err.toString());
          } else if (!u.reports.isEmpty()) {
            flush(s);
          }
        });
  }

  private void retryAll() {
    for (Map.Entry<AgentSession, Unsettled> e : unsettled.entrySet()) {
      if (e.getKey().isClosed()) {
        unsettled.remove(e.getKey());
      } else {
        flush(e.getKey());
      }
    }
  }

  private void changed(String jobId, ShardRecord before, ShardRecord after) {
    if (after != null
        && after.state() == ShardState.PLACED
        && (before == null
            || before.attempt() != after.attempt()
            || before.state() != ShardState.PLACED)) {
      AgentSession s = local(after.node());
      if (s != null) {
        assign(s, jobId, after);
      }
    }
    if (before != null && before.state().holdsNode()) {
      boolean takenBack =
          after == null
              || after.attempt() != before.attempt()
              || after.state() == ShardState.CANCELLED
              || after.state() == ShardState.REQUEUED;
      if (takenBack) {
        AgentSession s = local(before.node());
        if (s != null) {
          s.send(
              cancel(
                  jobId,
                  before.index(),
                  before.attempt(),
                  after == null ? "shard removed" : after.reason()));
        }
      }
    }
  }

  private AgentSession local(String node) {
    if (node == null || node.isEmpty()) {
      return null;
    }
    return keeper.session(NodeKey.parse(node));
  }

  private void assign(AgentSession s, String jobId, ShardRecord shard) {
    Optional<JobRecord> job = view.job(jobId);
    if (job.isEmpty()) {
      log.warn("shard {}/{} placed but its job is not in the cache yet", jobId, shard.index());
      return;
    }
    JobSpec spec = job.get().spec();
    ShardAssignment.Builder a =
        ShardAssignment.newBuilder()
            .setJobId(jobId)
            .setShard(shard.index())
            .setAttempt(shard.attempt())
            .setJobName(spec.name())
            .setNation(job.get().nation())
            .setKind(spec.kind())
            .setTotalShards(spec.shards())
            .setResources(spec.resourcesProto())
            .putAllParameters(spec.parameters())
            .setMaxRuntimeMs(spec.maxRuntimeMs())
            .setPlacedAtUnixMs(shard.placedAtMs())
            .setEpoch(shard.epoch());
    if (spec.model() != null) {
      a.setModel(JobSpec.toProto(spec.model()));
    }
    spec.data().forEach(d -> a.addData(JobSpec.toProto(d)));
    TrainingRecord training = job.get().training();
    if (training != null && training.checkpoint() != null) {
      a.setResumeFrom(JobProtos.checkpoint(training.checkpoint()));
    }
    s.send(CoordinatorMessage.newBuilder().setAssign(a).build());
  }

  private static CoordinatorMessage cancel(String jobId, int shard, int attempt, String why) {
    return CoordinatorMessage.newBuilder()
        .setCancel(
            CancelShard.newBuilder()
                .setJobId(jobId)
                .setShard(shard)
                .setAttempt(attempt)
                .setReason(why == null ? "" : why))
        .build();
  }

  private static CoordinatorMessage ack(ShardReport r) {
    return CoordinatorMessage.newBuilder()
        .setReportAck(
            ShardReportAck.newBuilder()
                .setJobId(r.getJobId())
                .setShard(r.getShard())
                .setAttempt(r.getAttempt())
                .setPhase(r.getPhase()))
        .build();
  }

  private static String key(String jobId, int shard, int attempt) {
    return jobId + "#" + shard + "#" + attempt;
  }

  /** Forgets a stream that ended. */
  public void detach(AgentSession s) {
    unsettled.remove(s);
  }

  @Override
  public void close() {
    retry.shutdownNow();
  }
}
