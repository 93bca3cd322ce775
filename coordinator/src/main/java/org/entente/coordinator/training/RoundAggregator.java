package org.entente.coordinator.training;

import java.io.Closeable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.jobs.JobLeader;
import org.entente.coordinator.jobs.JobProtos;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.TrainingPlan;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.coordinator.model.TrainingRecord.CheckpointRef;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.RoundResultHeader;
import org.entente.proto.v1.RoundUpdateHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of FedAvg: takes the shards' updates, closes rounds as their {@link RoundBook}
 * says, stores each average as the job's checkpoint, records the round in the job, and only then
 * answers the shards that wait. Round state lives on one thread; storing and recording run on
 * another so that one job's checkpoint does not hold up another job's round. A leader that loses
 * leadership fails the waiting shards with UNAVAILABLE; they send again to the new leader, whose
 * books start from the recorded round.
 */
public final class RoundAggregator implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(RoundAggregator.class);
  private static final long SWEEP_MS = 2_000;

  /** The average a shard continues from. */
  public record Answer(RoundResultHeader header, float[] values) {}

  private record Waiter(int shard, int attempt, CompletableFuture<Answer> answer) {}

  private final class Job {
    final RoundBook book;
    final Map<Integer, Waiter> waiting = new HashMap<>();
    CheckpointRef newestCheckpoint;

    /** The newest round whose checkpoint is stored and recorded. */
    int storedRound;

    long checkAt = Long.MAX_VALUE;

    Job(RoundBook book, CheckpointRef newest, int storedRound) {
      this.book = book;
      this.newestCheckpoint = newest;
      this.storedRound = storedRound;
    }
  }

  private final JobView view;
  private final RoundSenders senders;
  private final CoordinatorMetrics metrics;
  private final JobLeader leader;
  private final CheckpointStore checkpoints;
  private final Clock clock;
  private final ScheduledExecutorService rounds;
  private final ExecutorService persist;
  private final Map<String, Job> jobs = new HashMap<>();

  public RoundAggregator(
      JobView view,
      JobLeader leader,
      CheckpointStore checkpoints,
      Clock clock,
      CoordinatorMetrics metrics) {
    this.metrics = metrics;
    this.view = view;
    this.senders = new RoundSenders(view);
    this.leader = leader;
    this.checkpoints = checkpoints;
    this.clock = clock;
    this.rounds =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "entente-fedavg");
              t.setDaemon(true);
              return t;
            });
    this.persist =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "entente-checkpoints");
              t.setDaemon(true);
              return t;
            });
    rounds.scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes {@code node}'s update. Completes with the average to continue from, or fails with the
   * coordinator's exceptions (not leading, unknown job, a shard not placed on this node, a refused
   * update).
   */
  public CompletableFuture<Answer> offer(NodeKey node, RoundUpdateHeader h, float[] values) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    try {
      rounds.execute(
          () -> {
            try {
              take(node, h, values, answer);
            } catch (RuntimeException e) {
              answer.completeExceptionally(e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      answer.completeExceptionally(new UnavailableException("the coordinator is shutting down"));
    }
    return answer;
  }

  private void take(
      NodeKey node, RoundUpdateHeader h, float[] values, CompletableFuture<Answer> a) {
    if (!leader.leading()) {
      a.completeExceptionally(
          new UnavailableException("this replica is not the leader; FedAvg runs on the leader"));
      return;
    }
    JobRecord rec = senders.check(node, h).record();
    Job job = book(rec);
    RoundBook.Offer offer =
        job.book.offer(
            new RoundBook.Update(
                h.getShard(),
                h.getAttempt(),
                h.getRound(),
                h.getExamples(),
                h.getLoss(),
                h.getModel().toBuilder().setRound(0).build(),
                values),
            clock.millis());
    if (offer instanceof RoundBook.Accepted) {
      Waiter before = job.waiting.put(h.getShard(), new Waiter(h.getShard(), h.getAttempt(), a));
      if (before != null) {
        before
            .answer()
            .completeExceptionally(
                new UnavailableException("superseded by a newer update of the same shard"));
      }
      settle(rec.id(), job);
    } else if (offer instanceof RoundBook.Late late) {
      if (late.newest().round() > job.storedRound) {
        throw new UnavailableException(
            "round " + late.newest().round() + " is being stored; send again in a moment");
      }
      a.complete(answer(late.newest(), job.newestCheckpoint, false));
    } else {
      RoundBook.Refused r = (RoundBook.Refused) offer;
      switch (r.kind()) {
        case RETRY -> throw new UnavailableException(r.why());
        case CONFLICT -> throw new ConflictException(r.why());
        default -> throw new InvalidRequestException("update", r.why());
      }
    }
  }

  /** The job's book, made from its record when this leader has none or an older one. */
  private Job book(JobRecord rec) {
    TrainingRecord t = rec.training();
    int recorded = t == null ? 0 : t.lastRound();
    Job job = jobs.get(rec.id());
    if (job != null && job.book.openRound() > recorded) {
      return job;
    }
    if (job != null) {
      failAll(job, new UnavailableException("round state moved on; send again"));
    }
    RoundBook.Closed newest = null;
    CheckpointRef ref = t == null ? null : t.checkpoint();
    if (ref != null) {
      newest = loadClosed(ref);
    }
    job =
        new Job(
            new RoundBook(rec.spec().shards(), TrainingPlan.of(rec.spec()), recorded, newest),
            ref,
            recorded);
    jobs.put(rec.id(), job);
    return job;
  }

  private RoundBook.Closed loadClosed(CheckpointRef ref) {
    try {
      Optional<ModelFile> f = checkpoints.load(ref);
      if (f.isEmpty()) {
        log.warn("checkpoint {} of round {} is in no replica's store", ref.sha256(), ref.round());
        return null;
      }
      return new RoundBook.Closed(
          ref.round(),
          f.get().header(),
          f.get().values(),
          List.of(),
          List.of(),
          "",
          0,
          0,
          0,
          0,
          List.of());
    } catch (Exception e) {
      log.warn("could not read checkpoint {}: {}", ref.sha256(), e.toString());
      return null;
    }
  }

  private void settle(String jobId, Job job) {
    long now = clock.millis();
    Optional<RoundBook.Settled> s = job.book.settle(now);
    if (s.isEmpty()) {
      job.book.nextCheckAt().ifPresent(at -> schedule(jobId, job, at));
      return;
    }
    List<Waiter> waiters = new ArrayList<>(job.waiting.values());
    job.waiting.clear();
    if (s.get() instanceof RoundBook.Failed f) {
      metrics.fedavgRounds.labelValues("failed").inc();
      log.warn("job {}: {}", jobId, f.why());
      for (Waiter w : waiters) {
        w.answer().completeExceptionally(new ConflictException(f.why()));
      }
    } else {
      persistThenAnswer(jobId, job, (RoundBook.Closed) s.get(), waiters);
    }
  }

  private void schedule(String jobId, Job job, long at) {
    if (at >= job.checkAt) {
      return;
    }
    job.checkAt = at;
    rounds.schedule(
        () -> {
          if (jobs.get(jobId) == job && job.checkAt == at) {
            job.checkAt = Long.MAX_VALUE;
            settle(jobId, job);
          }
        },
        Math.max(0, at - clock.millis()),
        TimeUnit.MILLISECONDS);
  }

  private void persistThenAnswer(String jobId, Job job, RoundBook.Closed c, List<Waiter> waiters) {
    long closedAt = System.nanoTime();
    metrics.fedavgRounds.labelValues(c.closedBy()).inc();
    CompletableFuture.supplyAsync(
            () -> {
              try {
                return checkpoints.store(new ModelFile(c.model(), c.average()));
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            persist)
        .thenCompose(
            ref ->
                leader
                    .recordRound(
                        jobId,
                        new TrainingRecord.RoundRecord(
                            c.round(),
                            c.contributions(),
                            c.missing(),
                            c.closedBy(),
                            c.loss(),
                            c.examples(),
                            ref,
                            c.openedAtMs(),
                            c.closedAtMs(),
                            c.refused()))
                    .thenApply(rec -> ref))
        .whenCompleteAsync(
            (ref, err) -> {
              if (err != null) {
                Throwable cause =
                    err instanceof java.util.concurrent.CompletionException ? err.getCause() : err;
                log.warn(
                    "job {}: round {} could not be recorded: {}",
                    jobId,
                    c.round(),
                    cause.toString());
                // The job ended or vanished: say so. Anything else (no leader, a store that
                // reached no peer) is worth sending again.
                RuntimeException fail =
                    cause instanceof ConflictException || cause instanceof NotFoundException
                        ? (RuntimeException) cause
                        : new UnavailableException(
                            "round "
                                + c.round()
                                + " could not be stored ("
                                + cause.getMessage()
                                + "); send again");
                waiters.forEach(w -> w.answer().completeExceptionally(fail));
                // The book moved on to a round that is not recorded: start again from the record.
                failAll(job, fail);
                jobs.remove(jobId, job);
                return;
              }
              metrics.fedavgPersistSeconds.observe((System.nanoTime() - closedAt) / 1e9);
              job.newestCheckpoint = ref;
              job.storedRound = Math.max(job.storedRound, c.round());
              log.info(
                  "job {}: round {} closed by {} with {} shards, loss {}",
                  jobId,
                  c.round(),
                  c.closedBy(),
                  c.contributions().size(),
                  String.format("%.4f", c.loss()));
              for (Waiter w : waiters) {
                // A shard whose update the job's rule left out continues from the average too.
                boolean in =
                    c.refused().stream()
                        .noneMatch(x -> x.shard() == w.shard() && x.attempt() == w.attempt());
                w.answer().complete(answer(c, ref, in));
              }
            },
            rounds);
  }

  /** See {@link RoundSenders#check}: callers refuse a stranger before taking in its upload. */
  public void precheck(NodeKey node, RoundUpdateHeader h) {
    senders.check(node, h);
  }

  private static Answer answer(RoundBook.Closed c, CheckpointRef ref, boolean included) {
    RoundResultHeader.Builder h =
        RoundResultHeader.newBuilder()
            .setRound(c.round())
            .setIncluded(included)
            .setContributors(c.contributions().size())
            .setExamples(c.examples())
            .setLoss(c.loss())
            .setValueCount(c.average().length);
    if (ref != null) {
      h.setCheckpoint(JobProtos.checkpoint(ref));
    }
    return new Answer(h.build(), c.average());
  }

  /** Drops the books of ended jobs and everything when not leading. */
  private void sweep() {
    try {
      boolean leading = leader.leading();
      var it = jobs.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        Optional<JobRecord> rec = view.job(e.getKey());
        if (!leading || rec.isEmpty() || rec.get().state().terminal()) {
          failAll(
              e.getValue(),
              leading
                  ? new ConflictException("job " + e.getKey() + " has ended")
                  : new UnavailableException("this replica is no longer the leader; send again"));
          it.remove();
        }
      }
    } catch (RuntimeException e) {
      log.warn("FedAvg sweep failed", e);
    }
  }

  private static void failAll(Job job, RuntimeException why) {
    job.waiting.values().forEach(w -> w.answer().completeExceptionally(why));
    job.waiting.clear();
  }

  @Override
  public void close() {
    rounds.execute(
        () -> {
          jobs.values()
              .forEach(j -> failAll(j, new UnavailableException("the coordinator is stopping")));
          jobs.clear();
        });
    rounds.shutdown();
    persist.shutdown();
    try {
      rounds.awaitTermination(5, TimeUnit.SECONDS);
      persist.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
