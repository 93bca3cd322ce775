package org.entente.agent.shards;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardReportAck;

/**
 * Reports the coordinator has not acknowledged yet, oldest first, at most {@code capacity} of them.
 * Not thread-safe: the {@link ShardSupervisor} guards it.
 */
final class PendingReports {
  private record Key(String jobId, int shard, int attempt, ShardPhase phase) {
    static Key of(ShardReport r) {
      return new Key(r.getJobId(), r.getShard(), r.getAttempt(), r.getPhase());
    }
  }

  private final int capacity;
  private final LinkedHashMap<Key, ShardReport> reports = new LinkedHashMap<>();

  PendingReports(int capacity) {
    this.capacity = capacity;
  }

  /** Keeps {@code r} (replacing a report of the same attempt and phase); passes on the dropped. */
  void add(ShardReport r, Consumer<ShardReport> dropped) {
    reports.put(Key.of(r), r);
    Iterator<ShardReport> oldest = reports.values().iterator();
    while (reports.size() > capacity) {
      ShardReport gone = oldest.next();
      oldest.remove();
      dropped.accept(gone);
    }
  }

  /** Forgets the report acknowledged; an acknowledged end also settles the RUNNING report. */
  void acknowledge(ShardReportAck ack) {
    reports.remove(new Key(ack.getJobId(), ack.getShard(), ack.getAttempt(), ack.getPhase()));
    if (terminal(ack.getPhase())) {
      reports.remove(
          new Key(
              ack.getJobId(), ack.getShard(), ack.getAttempt(), ShardPhase.SHARD_PHASE_RUNNING));
    }
  }

  boolean contains(ShardReport r) {
    return reports.containsKey(Key.of(r));
  }

  /** The unacknowledged terminal reports of one attempt (at most one, normally). */
  List<ShardReport> terminalOf(String jobId, int shard, int attempt) {
    return reports.values().stream()
        .filter(
            r ->
                r.getJobId().equals(jobId)
                    && r.getShard() == shard
                    && r.getAttempt() == attempt
                    && terminal(r.getPhase()))
        .toList();
  }

  List<ShardReport> all() {
    return List.copyOf(reports.values());
  }

  static boolean terminal(ShardPhase phase) {
    return phase == ShardPhase.SHARD_PHASE_SUCCEEDED
        || phase == ShardPhase.SHARD_PHASE_FAILED
        || phase == ShardPhase.SHARD_PHASE_CANCELLED;
  }
}
