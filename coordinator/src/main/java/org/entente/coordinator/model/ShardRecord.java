package org.entente.coordinator.model;

/**
 * One shard at {@code /jobs/<id>/shards/<index>}. {@code attempt} grows with every placement and
 * names the run an agent reports on; reports of any other attempt are stale. {@code epoch} is the
 * leader epoch of the last write. {@code node} is {@code NATION/name} of the last placement (kept
 * after it ends, for the record). {@code output} is what a succeeded attempt produced, else null.
 * {@code check} is a replicated inference shard's runs so far and where the next must go, else
 * null; it stays on the record once the shard has ended, as its verification record. Immutable.
 */
public record ShardRecord(
    int index,
    ShardState state,
    String node,
    int attempt,
    int retries,
    String reason,
    long placedAtMs,
    long startedAtMs,
    long finishedAtMs,
    long notBeforeMs,
    long epoch,
    OutputRef output,
    CheckState check) {

  /** A shard record without outputs or checks. */
  public ShardRecord(
      int index,
      ShardState state,
      String node,
      int attempt,
      int retries,
      String reason,
      long placedAtMs,
      long startedAtMs,
      long finishedAtMs,
      long notBeforeMs,
      long epoch) {
    this(
        index,
        state,
        node,
        attempt,
        retries,
        reason,
        placedAtMs,
        startedAtMs,
        finishedAtMs,
        notBeforeMs,
        epoch,
        null,
        null);
  }

  /** The same record holding what the attempt produced. */
  public ShardRecord withOutput(OutputRef out) {
    return new ShardRecord(
        index,
        state,
        node,
        attempt,
        retries,
        reason,
        placedAtMs,
        startedAtMs,
        finishedAtMs,
        notBeforeMs,
        epoch,
        out,
        check);
  }

  /** The same record with its replication state. */
  public ShardRecord withCheck(CheckState c) {
    return new ShardRecord(
        index,
        state,
        node,
        attempt,
        retries,
        reason,
        placedAtMs,
        startedAtMs,
        finishedAtMs,
        notBeforeMs,
        epoch,
        output,
        c);
  }

  public static ShardRecord pending(int index, long epoch) {
    return new ShardRecord(
        index, ShardState.PENDING, "", 0, 0, "waiting for the scheduler", 0, 0, 0, 0, epoch);
  }

  public ShardRecord placed(String onNode, String why, long atMs, long ep) {
    return new ShardRecord(
        index,
        ShardState.PLACED,
        onNode,
        attempt + 1,
        retries,
        why,
        atMs,
        0,
        0,
        0,
        ep,
        null,
        check);
  }

  public ShardRecord running(long atMs, long ep) {
    return new ShardRecord(
        index,
        ShardState.RUNNING,
        node,
        attempt,
        retries,
        "running on " + node,
        placedAtMs,
        atMs,
        0,
        0,
        ep,
        null,
        check);
  }

  public ShardRecord finished(ShardState end, String why, long atMs, long ep) {
    return new ShardRecord(
        index, end, node, attempt, retries, why, placedAtMs, startedAtMs, atMs, 0, ep, null, check);
  }

  /** Back in the queue; {@code countsAsRetry} is false for preemption, which is not a failure. */
  public ShardRecord requeued(String why, long notBefore, boolean countsAsRetry, long ep) {
    return new ShardRecord(
        index,
        ShardState.REQUEUED,
        node,
        attempt,
        countsAsRetry ? retries + 1 : retries,
        why,
        placedAtMs,
        startedAtMs,
        0,
        notBefore,
        ep,
        null,
        check);
  }

  public ShardRecord withReason(String why, long ep) {
    return new ShardRecord(
        index,
        state,
        node,
        attempt,
        retries,
        why,
        placedAtMs,
        startedAtMs,
        finishedAtMs,
        notBeforeMs,
        ep,
        output,
        check);
  }

  /** The same record with another attempt number (tests and migrations). */
  public ShardRecord withAttempt(int a) {
    return new ShardRecord(
        index,
        state,
        node,
        a,
        retries,
        reason,
        placedAtMs,
        startedAtMs,
        finishedAtMs,
        notBeforeMs,
        epoch,
        output,
        check);
  }
}
