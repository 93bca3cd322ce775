package org.entente.coordinator.scheduler;

import java.util.Comparator;
import java.util.List;

/**
 * One nation's pending jobs in service order (higher priority first, then older, then by id), with
 * the fair share it had when last put in the heap. Not thread-safe; owned by one {@link
 * SchedulingPass}.
 */
final class NationQueue {
  /** Heap order: lowest share first, ties by nation name. */
  static final Comparator<NationQueue> BY_SHARE =
      Comparator.comparingDouble((NationQueue q) -> q.share).thenComparing(q -> q.name);

  static final Comparator<PendingJob> SERVICE_ORDER =
      Comparator.comparingInt((PendingJob j) -> -j.priority())
          .thenComparingLong(PendingJob::order)
          .thenComparing(PendingJob::jobId);

  final String name;
  final int nation;
  private final List<PendingJob> jobs;
  private int next;
  double share;

  NationQueue(String name, int nation, List<PendingJob> jobs) {
    this.name = name;
    this.nation = nation;
    this.jobs = jobs;
    jobs.sort(SERVICE_ORDER);
  }

  boolean hasNext() {
    return next < jobs.size();
  }

  PendingJob next() {
    return jobs.get(next++);
  }
}
