package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.model.TrainingRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What callers ask of the leader, queued from any thread and taken into its pass, split from {@link
 * JobLeader} along its seam (requests in here; recovery and scheduling there): submissions (a
 * retried request id is the same job), cancellations by the job's own nation, agents' shard reports
 * (each terminal one closes its attempt in the ledger before it may change the job) and FedAvg
 * rounds. The queues are thread-safe; {@link #take} runs on the leader's loop only.
 */
final class LeaderInbox {
  private static final Logger log = LoggerFactory.getLogger(LeaderInbox.class);

  private record Pending<T>(T request, CompletableFuture<JobLeader.Submitted> done) {}

  private record CancelRequest(
      String jobId, String reason, String callerNation, CompletableFuture<JobRecord> done) {}

  private record RoundRequest(
      String jobId, TrainingRecord.RoundRecord round, CompletableFuture<JobRecord> done) {}

  private record ReportBatch(
      NodeKey node, List<Report> reports, CompletableFuture<List<Boolean>> done) {}

  private final ConcurrentLinkedQueue<Pending<JobLeader.Submission>> submissions =
      new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<CancelRequest> cancels = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<RoundRequest> rounds = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<ReportBatch> reports = new ConcurrentLinkedQueue<>();
  private final LedgerDuties ledger;
  private final ShardVerification verification;
  private final CoordinatorMetrics metrics;
  private final Supplier<SchedulingSettings.Verification> replication;
  private final Supplier<Set<String>> liveNations;

  // Loop-thread state, valid while leading.
  private JobTable table;
  private long sequence;

  LeaderInbox(
      LedgerDuties ledger,
      ShardVerification verification,
      CoordinatorMetrics metrics,
      Supplier<SchedulingSettings.Verification> replication,
      Supplier<Set<String>> liveNations) {
    this.ledger = ledger;
    this.verification = verification;
    this.metrics = metrics;
    this.replication = replication;
    this.liveNations = liveNations;
  }

  void submit(JobLeader.Submission s, CompletableFuture<JobLeader.Submitted> done) {
    submissions.add(new Pending<>(s, done));
  }

  void round(String jobId, TrainingRecord.RoundRecord r, CompletableFuture<JobRecord> done) {
    rounds.add(new RoundRequest(jobId, r, done));
  }

  void cancel(String jobId, String reason, String nation, CompletableFuture<JobRecord> done) {
    cancels.add(new CancelRequest(jobId, reason, nation, done));
  }

  void report(NodeKey node, List<Report> batch, CompletableFuture<List<Boolean>> done) {
    reports.add(new ReportBatch(node, batch, done));
  }

  /** A new leader numbers its jobs from 1 within its epoch. */
  void reset() {
    sequence = 0;
  }

  /** Fails everything queued (the replica stopped leading, or closes). */
  void failAll(RuntimeException e) {
    for (Pending<JobLeader.Submission> p; (p = submissions.poll()) != null; ) {
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

  /**
   * Takes every queued request into this pass: their writes join {@code batch}, their callers'
   * futures join {@code waiting}, and report acknowledgements join {@code acks} (sent only after
   * the pass's ledger writes commit).
   */
  void take(
      JobTable table,
      WriteBatch batch,
      Fence f,
      long now,
      List<CompletableFuture<?>> waiting,
      List<Runnable> acks,
      JobLifecycle.Backoff backoff)
      throws Exception {
    this.table = table;
    takeSubmissions(f, now, waiting);
    takeCancels(batch, f, now, waiting);
    takeReports(batch, f, now, waiting, acks, backoff);
    takeRounds(batch, f, now, waiting);
  }

  private void takeSubmissions(Fence f, long now, List<CompletableFuture<?>> waiting) {
    for (Pending<JobLeader.Submission> p; (p = submissions.poll()) != null; ) {
      JobLeader.Submission s = p.request();
      String existing = table.byRequest(s.nation(), s.requestId());
      if (existing != null) {
        p.done().complete(new JobLeader.Submitted(existing, true));
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
      CompletableFuture<JobLeader.Submitted> done = p.done();
      waiting.add(done);
      table.addFresh(
          new JobEntry(job, 0, shards, versions),
          () -> {
            metrics.jobsSubmitted.inc();
            done.complete(new JobLeader.Submitted(id, false));
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

  private void takeReports(
      WriteBatch batch,
      Fence f,
      long now,
      List<CompletableFuture<?>> waiting,
      List<Runnable> acks,
      JobLifecycle.Backoff backoff)
      throws Exception {
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
                    e, s, r, ledger.book().tracks(), liveNations.get(), replication.get());
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
}
