package org.entente.agent.shards;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.entente.proto.v1.CancelShard;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardReportAck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the shard attempts running on this node and the reports about them.
 *
 * <p>An assignment starts an attempt on a worker thread and reports RUNNING; each attempt then gets
 * exactly one terminal report: SUCCEEDED with the runner's note, FAILED with the runner's exception
 * message (whatever it threw), FAILED when it passes its maximum runtime, or CANCELLED when it is
 * cancelled, superseded by a newer attempt of the same shard, or the agent stops. A stopped runner
 * is interrupted and sees {@link ShardContext#isCancelled()}; one that does not return within the
 * stop grace is reported anyway (its thread and devices stay taken until it does return).
 *
 * <p>Assignments are idempotent: the same attempt again re-reports RUNNING, a newer attempt of a
 * shard stops the older one and starts once it has exited, an older attempt is ignored.
 *
 * <p>Every report is kept until the coordinator acknowledges it (an acknowledged terminal phase
 * also settles the attempt's RUNNING report); {@link #withPendingReports} hands them, with the
 * RUNNING reports of live attempts, to the next registration. At most {@link
 * Limits#maxUnackedReports} are kept, the oldest dropped with a warning.
 *
 * <p>Thread-safe: state changes under this object's monitor, which is also held while the {@link
 * ReportSink} is called.
 */
public final class ShardSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShardSupervisor.class);

  /**
   * Bounds of a supervisor.
   *
   * @param stopGrace how long a stopped runner has to return before its end is reported anyway
   * @param maxUnackedReports reports kept for redelivery; older ones are dropped
   */
  public record Limits(Duration stopGrace, int maxUnackedReports) {
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), 10_000);

    public Limits {
      if (stopGrace.isNegative() || stopGrace.isZero()) {
        throw new IllegalArgumentException("stopGrace must be positive, got " + stopGrace);
      }
      if (maxUnackedReports < 1) {
        throw new IllegalArgumentException(
            "maxUnackedReports must be at least 1, got " + maxUnackedReports);
      }
    }
  }

  private record ShardKey(String jobId, int shard) {
    static ShardKey of(ShardAssignment a) {
      return new ShardKey(a.getJobId(), a.getShard());
    }
  }

  private final RunnerRegistry runners;
  private final DevicePool devices;
  private final ReportOutbox outbox;
  private final Executor workers;
  private final ScheduledExecutorService timers;
  private final Limits limits;

  private final Map<ShardKey, Attempt> live = new HashMap<>();
  private final LinkedHashMap<ShardKey, Integer> finished;
  private boolean closed;
  private long started;
  private long succeeded;
  private long failed;
  private long cancelled;

  /**
   * @param workers runs each attempt on a thread of its own for as long as it runs (a cached pool)
   * @param timers fires maximum-runtime and stop-grace timers; its tasks are short
   */
  public ShardSupervisor(
      RunnerRegistry runners,
      DevicePool devices,
      ReportSink sink,
      ReceiptSigner receipts,
      Clock clock,
      Executor workers,
      ScheduledExecutorService timers,
      Limits limits) {
    this.runners = runners;
    this.devices = devices;
    this.outbox = new ReportOutbox(sink, clock, receipts, limits.maxUnackedReports());
    this.workers = workers;
    this.timers = timers;
    this.limits = limits;
    this.finished =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<ShardKey, Integer> eldest) {
            return size() > limits.maxUnackedReports();
          }
        };
  }

  /** Starts the attempt, or re-reports it if it runs already (see the class comment). */
  public synchronized void assign(ShardAssignment a) {
    ShardKey key = ShardKey.of(a);
    String name = a.getJobId() + "/" + a.getShard() + "#" + a.getAttempt();
    if (closed) {
      log.info("not starting shard {}: the agent is stopping", name);
      return;
    }
    Attempt current = live.get(key);
    CompletableFuture<Void> previous = null;
    if (current != null) {
      if (a.getAttempt() == current.number()) {
        log.debug("shard {} assigned again; it is running", name);
        outbox.record(current.running);
        return;
      }
      if (a.getAttempt() < current.number()) {
        log.info("ignoring assignment of {}: attempt {} runs already", name, current.number());
        return;
      }
      log.info("shard {} supersedes attempt {}", name, current.number());
      stop(current, ShardPhase.SHARD_PHASE_CANCELLED, "superseded by attempt " + a.getAttempt());
      previous = current.exited;
    } else {
      Integer done = finished.get(key);
      if (done != null && a.getAttempt() <= done) {
        log.info("ignoring assignment of {}: attempt {} has ended here", name, done);
        if (a.getAttempt() == done) {
          outbox.resendTerminal(a.getJobId(), a.getShard(), done);
        }
        return;
      }
    }
    Attempt at = new Attempt(a, outbox.report(a, ShardPhase.SHARD_PHASE_RUNNING, ""));
    live.put(key, at);
    started++;
    log.info("starting shard {} ({}, {} GPUs)", name, a.getKind(), a.getResources().getGpus());
    outbox.record(at.running);
    if (a.getMaxRuntimeMs() > 0) {
      Duration max = Duration.ofMillis(a.getMaxRuntimeMs());
      at.deadline =
          timers.schedule(
              () ->
                  stop(
                      at,
                      ShardPhase.SHARD_PHASE_FAILED,
                      "exceeded its maximum runtime of " + DurationText.format(max)),
              max.toMillis(),
              TimeUnit.MILLISECONDS);
    }
    CompletableFuture<Void> before = previous;
    try {
      workers.execute(() -> execute(at, before));
    } catch (RejectedExecutionException e) {
      at.exited.complete(null);
      finish(at, new Attempt.Stop(ShardPhase.SHARD_PHASE_FAILED, "the agent could not start it"));
    }
  }

  /** Stops the attempt named, if it runs here; it will report CANCELLED with the reason. */
  public synchronized void cancel(CancelShard c) {
    Attempt at = live.get(new ShardKey(c.getJobId(), c.getShard()));
    if (at != null && at.number() == c.getAttempt()) {
      String reason = c.getReason().isBlank() ? "cancelled by the coordinator" : c.getReason();
      log.info("cancelling shard {}: {}", at.name(), reason);
      stop(at, ShardPhase.SHARD_PHASE_CANCELLED, reason);
    } else {
      log.debug("cancel of {}/{}#{}: not running here", c.getJobId(), c.getShard(), c.getAttempt());
      outbox.resendTerminal(c.getJobId(), c.getShard(), c.getAttempt());
    }
  }

  /** Forgets the acknowledged report; an acknowledged end also settles the RUNNING report. */
  public synchronized void acknowledge(ShardReportAck ack) {
    outbox.acknowledge(ack);
  }

  /**
   * The reports a registration must carry: every unacknowledged one, oldest first, then RUNNING for
   * each live attempt whose RUNNING report was acknowledged already.
   */
  public synchronized List<ShardReport> pendingReports() {
    List<ShardReport> out = new ArrayList<>(outbox.all());
    for (Attempt at : live.values()) {
      if (!at.ended && !outbox.contains(at.running)) {
        out.add(at.running);
      }
    }
    return List.copyOf(out);
  }

  /**
   * Calls {@code register} with {@link #pendingReports()} while holding back new reports, so that a
   * report made meanwhile is neither in the list nor sent to a sink that is not yet attached to the
   * new stream. {@code register} must not block.
   */
  public synchronized void withPendingReports(Consumer<List<ShardReport>> register) {
    register.accept(pendingReports());
  }

  /** Attempts running now. */
  public synchronized int running() {
    return live.size();
  }

  public synchronized ShardStats stats() {
    return new ShardStats(started, succeeded, failed, cancelled, outbox.dropped());
  }

  /**
   * Stops every attempt (each reports CANCELLED) and waits up to the stop grace for their runners
   * to return. Later assignments are ignored.
   */
  @Override
  public void close() {
    List<CompletableFuture<Void>> exits = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Attempt at : List.copyOf(live.values())) {
        stop(at, ShardPhase.SHARD_PHASE_CANCELLED, "the agent is stopping");
        exits.add(at.exited);
      }
    }
    try {
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
          .get(limits.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("some shard runners did not stop within {}", limits.stopGrace());
    }
  }

  private void execute(Attempt at, CompletableFuture<Void> previous) {
    at.bind();
    try {
      finish(at, runToEnd(at, previous));
    } finally {
      at.unbind();
      at.exited.complete(null);
    }
  }

  /** Runs the attempt; the outcome when the runner ended by itself (null when it never ran). */
  private Attempt.Stop runToEnd(Attempt at, CompletableFuture<Void> previous) {
    ShardAssignment a = at.assignment;
    List<Integer> held = List.of();
    try {
      if (previous != null) {
        awaitExit(at, previous);
      }
      if (at.isCancelled()) {
        return null;
      }
      ShardRunner runner =
          runners
              .runnerFor(a.getKind())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "this agent has no runner for kind '"
                              + DurationText.printable(a.getKind())
                              + "' (it runs "
                              + String.join(", ", runners.kinds())
                              + ")"));
      held = devices.allocate(a.getResources().getGpus());
      at.devices(held);
      String note = runner.run(a, at);
      return new Attempt.Stop(ShardPhase.SHARD_PHASE_SUCCEEDED, note == null ? "" : note);
    } catch (Throwable t) { // even an Error must end only its shard, not the agent
      if (!at.isCancelled()) {
        if (t instanceof Exception) {
          log.info("shard {} failed: {}", at.name(), t.toString());
        } else {
          log.warn("shard {} failed with an error", at.name(), t);
        }
      }
      String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      return new Attempt.Stop(ShardPhase.SHARD_PHASE_FAILED, message);
    } finally {
      devices.release(held);
    }
  }

  /** Lets the superseded attempt exit first, so that it gives back its devices. */
  private void awaitExit(Attempt at, CompletableFuture<Void> previous) throws InterruptedException {
    try {
      previous.get(limits.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      // exited is only ever completed normally
    } catch (TimeoutException e) {
      log.warn("shard {} starts while the attempt it superseded still runs", at.name());
    }
  }

  /** Asks the attempt to stop; its end is reported when it returns or the grace passes. */
  private synchronized void stop(Attempt at, ShardPhase phase, String message) {
    if (at.ended || !at.requestStop(new Attempt.Stop(phase, message))) {
      return;
    }
    at.grace =
        timers.schedule(() -> giveUp(at), limits.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void giveUp(Attempt at) {
    if (!at.ended) {
      log.warn(
          "the runner of shard {} did not return within {} of being stopped; reporting its end"
              + " anyway (its thread and devices stay taken until it returns)",
          at.name(),
          limits.stopGrace());
      finish(at, null);
    }
  }

  /** Makes the attempt's one terminal report: the stop request if any, else {@code outcome}. */
  private synchronized void finish(Attempt at, Attempt.Stop outcome) {
    if (at.ended) {
      return;
    }
    at.ended = true;
    if (at.deadline != null) {
      at.deadline.cancel(false);
    }
    if (at.grace != null) {
      at.grace.cancel(false);
    }
    Attempt.Stop end = at.stopRequest() != null ? at.stopRequest() : outcome;
    if (end == null) {
      end = new Attempt.Stop(ShardPhase.SHARD_PHASE_CANCELLED, "stopped");
    }
    ShardKey key = ShardKey.of(at.assignment);
    if (live.get(key) == at) {
      live.remove(key);
    }
    finished.merge(key, at.number(), Math::max);
    switch (end.phase()) {
      case SHARD_PHASE_SUCCEEDED -> succeeded++;
      case SHARD_PHASE_FAILED -> failed++;
      default -> cancelled++;
    }
    log.info("shard {} ended {}: {}", at.name(), end.phase(), end.message());
    outbox.record(outbox.terminal(at, end));
  }
}
