package org.entente.coordinator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The job and shard state machine, as pure functions: a job and its shards in, the records to write
 * out. Time and the leader's epoch are passed in. Stateless.
 *
 * <p>Rules: a report counts only for the shard's current attempt; a failure or a lost node requeues
 * with exponential backoff until the retry limit, then fails the job and cancels its other shards;
 * preemption requeues without counting as a retry; a gang job moves as one (requeue one shard,
 * requeue all that hold a node).
 */
public final class JobLifecycle {
  private JobLifecycle() {}

  /** A job and its shards (index order). */
  public record Job(JobRecord record, List<ShardRecord> shards) {}

  /** What to write: the new job record (null = unchanged) and changed shards by index. */
  public record Change(JobRecord job, Map<Integer, ShardRecord> shards) {
    public static final Change NONE = new Change(null, Map.of());

    public boolean isEmpty() {
      return job == null && shards.isEmpty();
    }
  }

  /** Backoff before a requeued shard may be placed again. */
  public record Backoff(long baseMs, long capMs) {
    /** {@code base * 2^(retries-1)}, capped; retries counts this requeue. */
    public long delayMs(int retries) {
      int shift = Math.min(30, Math.max(0, retries - 1));
      return Math.min(capMs, baseMs << shift);
    }
  }

  /** The reported phase of an attempt. */
  public enum Phase {
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED
  }

  /**
   * Applies an agent's report. Stale reports (another attempt, or a shard that no longer holds a
   * node) change nothing.
   */
  public static Change report(
      Job job,
      int index,
      int attempt,
      Phase phase,
      String message,
      long now,
      long epoch,
      Backoff backoff) {
    return report(job, index, attempt, phase, message, null, now, epoch, backoff);
  }

  /**
   * Like {@link #report(Job, int, int, Phase, String, long, long, Backoff)}; a SUCCEEDED report may
   * carry what the attempt produced ({@code output}, else null), which the shard then keeps.
   */
  public static Change report(
      Job job,
      int index,
      int attempt,
      Phase phase,
      String message,
      OutputRef output,
      long now,
      long epoch,
      Backoff backoff) {
    if (index < 0 || index >= job.shards().size() || job.record().state().terminal()) {
      return Change.NONE;
    }
    ShardRecord s = job.shards().get(index);
    if (s.attempt() != attempt || !s.state().holdsNode()) {
      return Change.NONE;
    }
    return switch (phase) {
      case RUNNING ->
          s.state() == ShardState.PLACED
              ? withJob(job, Map.of(index, s.running(now, epoch)), now)
              : Change.NONE;
      case SUCCEEDED ->
          withJob(
              job,
              Map.of(
                  index,
                  s.finished(
                          ShardState.SUCCEEDED,
                          "succeeded on " + s.node() + note(message),
                          now,
                          epoch)
                      .withOutput(output)),
              now);
      case FAILED ->
          requeue(
              job,
              index,
              "attempt " + attempt + " failed on " + s.node() + ": " + clip(message),
              true,
              now,
              epoch,
              backoff);
      case CANCELLED ->
          // The agent stopped it without being asked (for example it is shutting down): run it
          // elsewhere, and don't hold it against the job.
          requeue(
              job,
              index,
              "attempt " + attempt + " stopped by " + s.node() + note(message),
              false,
              now,
              epoch,
              backoff);
    };
  }

  /**
   * A replicated shard's run succeeded but its result needs another run ({@code next}: where it may
   * go): the shard waits again at once, without counting a retry. Nothing when the attempt is not
   * the shard's current one.
   */
  public static Change recheck(
      Job job, int index, int attempt, CheckState next, String why, long now, long epoch) {
    if (index < 0 || index >= job.shards().size() || job.record().state().terminal()) {
      return Change.NONE;
    }
    ShardRecord s = job.shards().get(index);
    if (s.attempt() != attempt || !s.state().holdsNode()) {
      return Change.NONE;
    }
    return withJob(job, Map.of(index, s.requeued(why, now, false, epoch).withCheck(next)), now);
  }

  /**
   * A replicated shard's result is settled: like a SUCCEEDED report carrying {@code output} (the
   * agreed result, perhaps another run's), or, with {@code output} null (no quorum), like a failed
   * attempt, whose retry starts its checks afresh. {@code record} stays on the shard.
   */
  public static Change settled(
      Job job,
      int index,
      int attempt,
      OutputRef output,
      CheckState record,
      String message,
      long now,
      long epoch,
      Backoff backoff) {
    Change c =
        report(
            job,
            index,
            attempt,
            output == null ? Phase.FAILED : Phase.SUCCEEDED,
            message,
            output,
            now,
            epoch,
            backoff);
    if (c.isEmpty() || !c.shards().containsKey(index)) {
      return c;
    }
    Map<Integer, ShardRecord> shards = new java.util.TreeMap<>(c.shards());
    shards.put(index, shards.get(index).withCheck(output == null ? null : record));
    return new Change(c.job(), shards);
  }

  /**
   * Takes a shard back from its node. Counting as a retry past the limit fails the job; a gang job
   * requeues every shard that holds a node.
   */
  public static Change requeue(
      Job job,
      int index,
      String why,
      boolean countsAsRetry,
      long now,
      long epoch,
      Backoff backoff) {
    ShardRecord s = job.shards().get(index);
    int retries = countsAsRetry ? s.retries() + 1 : s.retries();
    int limit = job.record().spec().retryLimit();
    if (countsAsRetry && retries > limit) {
      String reason = "shard " + index + ": " + why + " (retry limit " + limit + " reached)";
      Map<Integer, ShardRecord> out = new TreeMap<>();
      out.put(index, s.finished(ShardState.FAILED, why, now, epoch));
      cancelOthers(job, index, "job failed: " + reason, now, epoch, out);
      return new Change(job.record().finish(JobState.FAILED, reason, now), out);
    }
    long notBefore = countsAsRetry ? now + backoff.delayMs(retries) : now;
    Map<Integer, ShardRecord> out = new TreeMap<>();
    out.put(index, s.requeued(why, notBefore, countsAsRetry, epoch));
    if (job.record().spec().gang()) {
      for (ShardRecord o : job.shards()) {
        if (o.index() != index && o.state().holdsNode()) {
          out.put(
              o.index(),
              o.requeued(
                  "gang member " + index + " was requeued; the gang restarts together",
                  notBefore,
                  false,
                  epoch));
        } else if (o.index() != index && o.state().waiting() && o.notBeforeMs() < notBefore) {
          out.put(o.index(), o.requeued(o.reason(), notBefore, false, epoch));
        }
      }
    }
    return withJob(job, out, now);
  }

  /** Cancels every shard that has not ended, and the job. */
  public static Change cancel(Job job, String why, long now, long epoch) {
    if (job.record().state().terminal()) {
      return Change.NONE;
    }
    Map<Integer, ShardRecord> out = new TreeMap<>();
    cancelOthers(job, -1, why, now, epoch, out);
    return new Change(job.record().finish(JobState.CANCELLED, why, now), out);
  }

  private static void cancelOthers(
      Job job, int except, String why, long now, long epoch, Map<Integer, ShardRecord> out) {
    for (ShardRecord o : job.shards()) {
      if (o.index() != except && !o.state().terminal()) {
        out.put(o.index(), o.finished(ShardState.CANCELLED, why, now, epoch));
      }
    }
  }

  /** Adds the job record when the shard changes move the job to another state. */
  public static Change withJob(Job job, Map<Integer, ShardRecord> changed, long now) {
    List<ShardRecord> after = new ArrayList<>(job.shards());
    changed.forEach(after::set);
    JobState next = derive(after);
    JobRecord r = job.record();
    if (next == r.state()) {
      return new Change(null, changed);
    }
    if (next == JobState.SUCCEEDED) {
      return new Change(r.finish(next, "all " + after.size() + " shards succeeded", now), changed);
    }
    return new Change(r.withState(next), changed);
  }

  /** The job state its shards imply (for a job not cancelled or failed as a whole). */
  public static JobState derive(List<ShardRecord> shards) {
    boolean allSucceeded = true;
    boolean anyActive = false;
    for (ShardRecord s : shards) {
      allSucceeded &= s.state() == ShardState.SUCCEEDED;
      anyActive |= s.state().holdsNode() || s.state() == ShardState.SUCCEEDED;
    }
    if (allSucceeded) {
      return JobState.SUCCEEDED;
    }
    return anyActive ? JobState.RUNNING : JobState.PENDING;
  }

  private static String note(String message) {
    return message == null || message.isBlank() ? "" : " (" + clip(message) + ")";
  }

  private static String clip(String message) {
    String m = message == null ? "" : message.replaceAll("[\\r\\n\\t]+", " ");
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }
}
