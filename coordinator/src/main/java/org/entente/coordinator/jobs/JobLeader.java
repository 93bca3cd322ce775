package org.entente.coordinator.jobs;

import java.io.Closeable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.leader.FencedException;
import org.entente.coordinator.leader.LeaderElection;
import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.coordinator.logstore.LedgerLogId;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.membership.FederationView;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's job duties, on one thread: accept submissions and cancellations, apply agents' shard
 * reports, requeue the shards of lost nodes, and run the scheduler. Every change is a fenced,
 * versioned write, committed in batches; callers hear back only after their change is in ZooKeeper.
 * A new leader loads every job before its first decision. Thread-safe (all state lives on the loop
 * thread).
 */
public final class JobLeader implements LeaderElection.Listener, Closeable {
  private static final Logger log = LoggerFactory.getLogger(JobLeader.class);
  private static final long LOAD_TIMEOUT_MS = 60_000;
  private static final long CHECKPOINT_EVERY_MS = 1_000;
  private static final long PRUNE_EVERY_MS = 1_000;

  /** A submission accepted by some replica, already validated. */
  public record Submission(JobSpec spec, String nation, String submittedBy, String requestId) {}

  /** The outcome of a submission. */
  public record Submitted(String jobId, boolean duplicate) {}

  private record Pending<T>(T request, CompletableFuture<Submitted> done) {}

  private record CancelRequest(
      String jobId, String reason, String callerNation, CompletableFuture<JobRecord> done) {}

  private record RoundRequest(
      String jobId, TrainingRecord.RoundRecord round, CompletableFuture<JobRecord> done) {}

  private record ReportBatch(
      NodeKey node, List<Report> reports, CompletableFuture<List<Boolean>> done) {}

  private final JobStore store;
  private final CuratorFramework zk;
  private final EpochStore epochs;
  private final FederationView view;
  private final Clock clock;
  private final java.util.function.Supplier<SchedulingSettings> settings;
  private final java.util.function.Supplier<List<org.entente.proto.v1.GovernanceEntry>> governance;
  private final CoordinatorMetrics metrics;
  private final FederationTrust trust;
  private final LedgerDuties ledger;
  private final ShardVerification verification;
  private final ScheduledExecutorService loop;
  private final AtomicBoolean passQueued = new AtomicBoolean();
  private final ConcurrentLinkedQueue<Pending<Submission>> submissions =
      new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<CancelRequest> cancels = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<RoundRequest> rounds = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<ReportBatch> reports = new ConcurrentLinkedQueue<>();
  private volatile Fence fence;
  private volatile Runnable onFenced = () -> {};
  private ScheduledFuture<?> ticker;

  // Loop-thread state, valid while leading.
  private JobTable table;
  private final List<Runnable> acks = new ArrayList<>();
  private SchedulingStep scheduling;
  private long sequence;
  private long lastPrune;
  private JobPruner pruner;

  public JobLeader(
      CuratorFramework zk,
      EpochStore epochs,
      FederationView view,
      Clock clock,
      java.util.function.Supplier<SchedulingSettings> settings,
      java.util.function.Supplier<List<org.entente.proto.v1.GovernanceEntry>> governance,
      CoordinatorMetrics metrics,
      KeyMaterial keys,
      FederationTrust trust,
      Predicate<String> outputStored,
      java.util.random.RandomGenerator random) {
    this.zk = zk;
    this.trust = trust;
    this.ledger = new LedgerDuties(keys, outputStored, metrics, CHECKPOINT_EVERY_MS);
    this.verification = new ShardVerification(random, metrics);
    this.store = new JobStore(zk);
    this.epochs = epochs;
    this.view = view;
    this.clock = clock;
    this.settings = settings;
    this.governance = governance;
    this.metrics = metrics;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "entente-jobs");
              t.setDaemon(true);
              return t;
            });
  }

  /** Runs {@code r} when a write shows that a newer leader exists. */
  public void onFenced(Runnable r) {
    this.onFenced = r;
  }

  @Override
  public void onLeading(Fence f) {
    try {
      loop.execute(() -> takeOver(f));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // shutting down: another replica will lead
    }
  }

  @Override
  public void onNotLeading(String why) {
    fence = null;
    try {
      loop.execute(() -> stepDown("not leading: " + why));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      failQueued(notLeading());
    }
  }

  /** Whether this replica has loaded the jobs and decides now. */
  public boolean leading() {
    return fence != null;
  }

  /** Queues a submission; completes once the job is in ZooKeeper. */
  public CompletableFuture<Submitted> submit(Submission s) {
    CompletableFuture<Submitted> done = new CompletableFuture<>();
    if (fence == null) {
      done.completeExceptionally(notLeading());
      return done;
    }
    submissions.add(new Pending<>(s, done));
    nudge();
    return done;
  }

  /**
   * Records how a FedAvg round of a training job ended (its checkpoint already stored). Completes
   * with the job as committed; a round older than the recorded one changes nothing. Fails with
   * NotFoundException for an unknown job, ConflictException for one that has ended.
   */
  public CompletableFuture<JobRecord> recordRound(String jobId, TrainingRecord.RoundRecord round) {
    CompletableFuture<JobRecord> done = new CompletableFuture<>();
    if (fence == null) {
      done.completeExceptionally(notLeading());
      return done;
    }
    rounds.add(new RoundRequest(jobId, round, done));
    nudge();
    return done;
  }

  /** Queues a cancellation by an operator of {@code callerNation}. */
  public CompletableFuture<JobRecord> cancel(String jobId, String reason, String callerNation) {
    CompletableFuture<JobRecord> done = new CompletableFuture<>();
    if (fence == null) {
      done.completeExceptionally(notLeading());
      return done;
    }
    cancels.add(new CancelRequest(jobId, reason, callerNation, done));
    nudge();
    return done;
  }

  /**
   * Applies reports from {@code node}'s agent. Completes with, per report, whether it is settled
   * (in the state of record, or stale and dropped): the agent may then forget it.
   */
  public CompletableFuture<List<Boolean>> report(NodeKey node, List<Report> batch) {
    CompletableFuture<List<Boolean>> done = new CompletableFuture<>();
    if (fence == null) {
      done.completeExceptionally(notLeading());
      return done;
    }
    reports.add(new ReportBatch(node, batch, done));
    nudge();
    return done;
  }

  /**
   * Checks an agent's receipt signature on the caller's thread (the costly part), so the loop only
   * compares it with its records.
   */
  public ReceiptCheck.Signed verifyReceipt(SignedReceipt r) {
    return ReceiptCheck.verifySignature(r, clock.millis(), trust.snapshot());
  }

  /** Asks for a scheduling pass soon (membership changed, work arrived). */
  public void nudge() {
    if (fence != null && passQueued.compareAndSet(false, true)) {
      try {
        loop.execute(
            () -> {
              passQueued.set(false);
              pass();
            });
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        passQueued.set(false);
      }
    }
  }

  private static UnavailableException notLeading() {
    return new UnavailableException("this replica does not lead the federation now; retry");
  }

  private void takeOver(Fence f) {
    try {
      store.ensureRoot();
      reload();
      log.info("ledger loaded: {} entries", ledger.book().size());
      long now = clock.millis();
      scheduling =
          new SchedulingStep(zk, view, settings, metrics, FairShareState.load(zk, now), now);
      sequence = 0;
      lastPrune = now;
      pruner = new JobPruner(zk, trust, metrics);
      fence = f;
      synchronized (this) {
        if (ticker == null) {
          long every = settings.get().passInterval().toMillis();
          ticker = loop.scheduleWithFixedDelay(this::pass, every, every, TimeUnit.MILLISECONDS);
        }
      }
      log.info(
          "job leader at epoch {}: {} jobs loaded, {} active",
          f.epoch(),
          table.size(),
          table.active().size());
      pass();
    } catch (IllegalStateException e) {
      // The stored ledger breaks its own seals: extending it would have every nation cosign it.
      log.error("LEDGER ALTERED: {}; this replica refuses to lead on it", e.getMessage());
      metrics.witnessAlarms.labelValues("leader-refused").inc();
      onFenced.run();
    } catch (Exception e) {
      log.warn("could not load jobs as the new leader: {}", e.toString());
      onFenced.run();
    }
  }

  private void reload() throws Exception {
    table = JobTable.load(store, LOAD_TIMEOUT_MS, metrics);
    ledger.load(new LedgerStore(zk), LedgerLogId.read(zk));
  }

  private void stepDown(String why) {
    fence = null;
    synchronized (this) {
      if (ticker != null) {
        ticker.cancel(false);
        ticker = null;
      }
    }
    table = null;
    ledger.unload();
    failQueued(notLeading());
    log.debug("job leader stopped: {}", why);
  }

  private void failQueued(RuntimeException e) {
    for (Pending<Submission> p; (p = submissions.poll()) != null; ) {
      p.done().completeExceptionally(e);
    }
    for (CancelRequest c; (c = cancels.poll()) != null; ) {
      c.done().completeExceptionally(e);
    }
    for (ReportBatch r; (r = reports.poll()) != null; ) {
      r.done().completeExceptionally(e);
    }
    for (RoundRequest r; (r = rounds.poll()) != null; ) {
      r.done().completeExceptionally(e);
    }
  }

  private void pass() {
    Fence f = fence;
    if (f == null || table == null) {
      return;
    }
    List<CompletableFuture<?>> waiting = new ArrayList<>();
    acks.clear();
    try {
      long now = clock.millis();
      WriteBatch batch = new WriteBatch(epochs, f);
      table.clearFresh();
      takeSubmissions(batch, f, now, waiting);
      takeCancels(batch, f, now, waiting);
      takeReports(batch, f, now, waiting);
      takeRounds(batch, f, now, waiting);
      ledger.verdicts().governance(governance.get(), now, f.epoch());
      scheduling.recover(batch, table, ledger, f.epoch(), now);
      scheduling.schedule(batch, table, ledger, f.epoch(), now);
      if (now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        pruner.step(batch, table, ledger, now, f.epoch(), retention());
      }
      table.writeFresh(batch);
      scheduling.persist(batch, now);
      ledger.commit(batch, f.epoch(), now);
      for (Runnable ack : acks) {
        batch.add(List.of(), 0, ack);
      }
      batch.flush();
    } catch (FencedException e) {
      metrics.fencedWrites.inc();
      log.warn("job write refused: {}", e.getMessage());
      failAll(waiting, notLeading());
      fence = null;
      onFenced.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failAll(waiting, new UnavailableException("coordinator replica shutting down; retry"));
    } catch (Exception e) {
      // A failed transaction wrote nothing, but memory already moved ahead, and after a lost
      // connection the outcome is unknown: read the truth back before deciding again.
      if (e instanceof RuntimeException) {
        log.error("scheduling pass failed; reloading jobs from ZooKeeper", e);
      } else {
        log.warn("job write failed ({}); reloading jobs from ZooKeeper", e.toString());
      }
      failAll(
          waiting,
          new UnavailableException(
              "the write did not complete (ZooKeeper: "
                  + e.getClass().getSimpleName()
                  + "); retry"));
      try {
        reload();
      } catch (Exception reload) {
        if (reload instanceof IllegalStateException) {
          log.error("LEDGER ALTERED: {}; stepping down", reload.getMessage());
          metrics.witnessAlarms.labelValues("leader-refused").inc();
        }
        log.warn("reload failed: {}; stepping down", reload.toString());
        onFenced.run();
      }
    }
  }

  private static void failAll(List<CompletableFuture<?>> futures, RuntimeException e) {
    for (CompletableFuture<?> c : futures) {
      c.completeExceptionally(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Submissions, cancellations, reports

  private void takeSubmissions(
      WriteBatch batch, Fence f, long now, List<CompletableFuture<?>> waiting) throws Exception {
    for (Pending<Submission> p; (p = submissions.poll()) != null; ) {
      Submission s = p.request();
      String existing = table.byRequest(s.nation(), s.requestId());
      if (existing != null) {
        p.done().complete(new Submitted(existing, true));
        continue;
      }
      String id = "j" + f.epoch() + "-" + (++sequence);
      JobRecord job =
          new JobRecord(
              id,
              s.nation(),
              s.submittedBy(),
              s.requestId(),
              s.spec(),
              (f.epoch() << 32) | sequence,
              now,
              JobState.PENDING,
              "",
              0);
      ShardRecord[] shards = new ShardRecord[s.spec().shards()];
      int[] versions = new int[shards.length];
      for (int i = 0; i < shards.length; i++) {
        shards[i] = ShardRecord.pending(i, f.epoch());
      }
      CompletableFuture<Submitted> done = p.done();
      waiting.add(done);
      table.addFresh(
          new JobEntry(job, 0, shards, versions),
          () -> {
            metrics.jobsSubmitted.inc();
            done.complete(new Submitted(id, false));
          });
    }
  }

  private void takeRounds(WriteBatch batch, Fence f, long now, List<CompletableFuture<?>> waiting)
      throws Exception {
    for (RoundRequest r; (r = rounds.poll()) != null; ) {
      JobEntry e = table.get(r.jobId());
      CompletableFuture<JobRecord> done = r.done();
      if (e == null) {
        done.completeExceptionally(new NotFoundException("no job " + r.jobId()));
        continue;
      }
      if (e.job.state().terminal()) {
        done.completeExceptionally(
            new ConflictException("job " + r.jobId() + " has ended (" + e.job.state() + ")"));
        continue;
      }
      TrainingRecord t = e.job.training();
      if (t == null) {
        t = new TrainingRecord(TrainingPlan.of(e.job.spec()).rounds(), null, List.of());
      }
      TrainingRecord.RoundRecord round = r.round();
      if (round.round() <= t.lastRound()) {
        // Recorded already: the same average again is fine; another one (a leader that started
        // from an older view) must not be answered as if it were the record.
        boolean same =
            t.recent().stream()
                .anyMatch(
                    x ->
                        x.round() == round.round()
                            && x.checkpoint().sha256().equals(round.checkpoint().sha256()));
        if (same) {
          done.complete(e.job);
        } else {
          done.completeExceptionally(
              new UnavailableException(
                  "round " + r.round().round() + " of " + r.jobId() + " is recorded already"));
        }
        continue;
      }
      TrainingRecord next = t.with(r.round());
      waiting.add(done);
      ledger.verdicts().refusedUpdates(e, round, now, f.epoch());
      table.apply(
          batch,
          e,
          new JobLifecycle.Change(e.job.withTraining(next), Map.of()),
          () -> done.complete(e.job));
    }
  }

  private void takeCancels(WriteBatch batch, Fence f, long now, List<CompletableFuture<?>> waiting)
      throws Exception {
    for (CancelRequest c; (c = cancels.poll()) != null; ) {
      JobEntry e = table.get(c.jobId());
      if (e == null) {
        c.done().completeExceptionally(new NotFoundException("no job " + c.jobId()));
        continue;
      }
      if (!e.job.nation().equals(c.callerNation())) {
        c.done()
            .completeExceptionally(
                new ForbiddenException(
                    "job "
                        + c.jobId()
                        + " belongs to "
                        + e.job.nation()
                        + "; only its operators may cancel it"));
        continue;
      }
      JobLifecycle.Change change = JobLifecycle.cancel(e.view(), c.reason(), now, f.epoch());
      CompletableFuture<JobRecord> done = c.done();
      if (change.isEmpty()) {
        done.complete(e.job); // already ended: cancelling again changes nothing
        continue;
      }
      waiting.add(done);
      table.apply(batch, e, change, () -> done.complete(e.job));
    }
  }

  private void takeReports(WriteBatch batch, Fence f, long now, List<CompletableFuture<?>> waiting)
      throws Exception {
    JobLifecycle.Backoff backoff = backoff();
    for (ReportBatch rb; (rb = reports.poll()) != null; ) {
      List<Boolean> settled = new ArrayList<>();
      String node = rb.node().toString();
      for (Report sent : rb.reports()) {
        JobEntry e = table.get(sent.jobId());
        if (e == null || sent.shard() < 0 || sent.shard() >= e.shards.length) {
          settled.add(true);
          continue;
        }
        ShardRecord s = e.shards[sent.shard()];
        Report r = sent;
        ShardVerification.Decision verdict = null;
        if (node.equals(s.node()) && s.attempt() == r.attempt() && r.terminal()) {
          r = ledger.vet(e, r);
          if (r.phase() == JobLifecycle.Phase.SUCCEEDED && !e.job.state().terminal()) {
            verdict =
                verification.decide(
                    e, s, r, ledger.book().tracks(), liveNations(), settings.get().verification());
          }
          // The attempt is closed in the ledger in this pass, before its report may change the job.
          boolean signed = ledger.close(e, s, r, now, f.epoch(), verdict != null && verdict.held());
          if (verdict != null && !signed) {
            // Only runs the agent signed for may vouch for a result, or count against a node.
            r = r.failed("a replicated run needs the agent's valid receipt");
            verdict = null;
          }
        }
        if (!node.equals(s.node()) || s.attempt() != r.attempt()) {
          // Another node's shard, or an attempt that has been replaced: a node speaks only for
          // what it was given.
          if (!node.equals(s.node()) && s.attempt() == r.attempt()) {
            log.warn(
                "node {} reported on {}/{} which runs on {}; ignored",
                node,
                r.jobId(),
                r.shard(),
                s.node());
          }
          settled.add(true);
          continue;
        }
        JobLifecycle.Change change =
            verdict != null
                ? verification.apply(e, s, verdict, ledger, now, f.epoch(), backoff)
                : JobLifecycle.report(
                    e.view(),
                    r.shard(),
                    r.attempt(),
                    r.phase(),
                    r.message(),
                    r.output(),
                    now,
                    f.epoch(),
                    backoff);
        settled.add(true);
        if (!change.isEmpty()) {
          boolean wasTerminal = e.job.state().terminal();
          table.apply(batch, e, change, null);
          if (!wasTerminal && e.job.state().terminal()) {
            ledger.provenance(e.job, now);
          }
        }
      }
      CompletableFuture<List<Boolean>> done = rb.done();
      waiting.add(done);
      // Acknowledged only after the pass's ledger writes: an acknowledged receipt is in ZooKeeper.
      acks.add(() -> done.complete(settled));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery and scheduling

  private org.entente.coordinator.ledger.Retention.Periods retention() {
    // A receipt may trail its job's end by as long as a node may be away and still come back.
    SchedulingSettings now = settings.get();
    long grace = Math.max(now.lostNodeGrace().toMillis(), now.placedTimeout().toMillis());
    return new org.entente.coordinator.ledger.Retention.Periods(
        now.jobRetention().toMillis(), grace);
  }

  private java.util.Set<String> liveNations() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    view.liveNodes().keySet().forEach(k -> out.add(k.nation()));
    return out;
  }

  private JobLifecycle.Backoff backoff() {
    return SchedulingStep.backoff(settings.get());
  }

  @Override
  public void close() {
    fence = null;
    loop.shutdownNow();
    failQueued(new UnavailableException("coordinator replica shutting down"));
  }
}
