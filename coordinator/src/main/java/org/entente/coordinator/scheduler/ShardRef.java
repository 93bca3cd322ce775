package org.entente.coordinator.scheduler;

import java.util.Objects;

/** One shard of a job; ordered by job id, then index. Immutable. */
public record ShardRef(String jobId, int index) implements Comparable<ShardRef> {
  public ShardRef {
    Objects.requireNonNull(jobId, "jobId");
    if (index < 0) {
      throw new IllegalArgumentException("shard index must not be negative, got " + index);
    }
  }

  @Override
  public int compareTo(ShardRef o) {
    int c = jobId.compareTo(o.jobId);
    return c != 0 ? c : Integer.compare(index, o.index);
  }

  /** "jobId/index". */
  @Override
  public String toString() {
    return jobId + "/" + index;
  }
}
