package org.entente.coordinator.jobs;

import java.io.Closeable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.SchedulingSettings;
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
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's job duties, on one thread: take in what callers queued ({@link LeaderInbox}:
 * submissions, cancellations, agents' shard reports, FedAvg rounds), requeue the shards of lost
 * nodes, and run the scheduler. Every change is a fenced, versioned write, committed in batches;
 * callers hear back only after their change is in ZooKeeper. A new leader loads every job before
 * its first decision. Thread-safe (all state lives on the loop thread).
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
  private final LeaderInbox inbox;
  private volatile Fence fence;
  private volatile Runnable onFenced = () -> {};
  private ScheduledFuture<?> ticker;

  // Loop-thread state, valid while leading.
  private JobTable table;
  private final List<Runnable> acks = new ArrayList<>();
  private SchedulingStep scheduling;
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
    this.inbox =
        new LeaderInbox(
            ledger, verification, metrics, () -> settings.get().verification(), this::liveNations);
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
    return submitAll(List.of(s)).thenApply(all -> all.get(0));
  }

  /**
   * Queues several submissions (a job array's) before the loop is woken once; completes with their
   * outcomes in order once all are in ZooKeeper, or fails with the first failure (jobs committed
   * before it stay; the same request ids again find them).
   */
  public CompletableFuture<List<Submitted>> submitAll(List<Submission> all) {
    if (fence == null) {
      return CompletableFuture.failedFuture(notLeading());
    }
    List<CompletableFuture<Submitted>> each = new ArrayList<>(all.size());
    for (Submission s : all) {
      CompletableFuture<Submitted> done = new CompletableFuture<>();
      inbox.submit(s, done);
      each.add(done);
    }
    nudge();
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
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
    inbox.round(jobId, round, done);
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
    inbox.cancel(jobId, reason, callerNation, done);
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
    inbox.report(node, batch, done);
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
      inbox.reset();
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
    inbox.failAll(e);
  }

  private void pass() {
    Fence f = fence;
    if (f == null || table == null) {
      return;
    }
    List<CompletableFuture<?>> waiting = new ArrayList<>();
    acks.clear();
    try {
      long started = System.nanoTime();
      long now = clock.millis();
      WriteBatch batch = new WriteBatch(epochs, f);
      table.clearFresh();
      inbox.take(table, batch, f, now, waiting, acks, backoff());
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
      metrics.schedulingPass.observe((System.nanoTime() - started) / 1e9);
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
