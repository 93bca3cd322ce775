package org.entente.coordinator.scheduler;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * A job with shards waiting to be placed. {@code order} is the submission sequence (lower = older).
 * {@code shards} are the indexes still waiting; for a gang job it holds all {@code totalShards} of
 * them, and they are placed together in one pass or not at all. Immutable.
 */
public record PendingJob(
    String jobId,
    String nation,
    int priority,
    long order,
    boolean gang,
    ShardDemand demand,
    Placement placement,
    List<Integer> shards,
    int totalShards) {
  public PendingJob {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(nation, "nation");
    Objects.requireNonNull(demand, "demand");
    Objects.requireNonNull(placement, "placement");
    shards = List.copyOf(shards);
    if (shards.isEmpty()) {
      throw new IllegalArgumentException(jobId + ": a pending job needs at least one shard");
    }
    if (new HashSet<>(shards).size() != shards.size()) {
      throw new IllegalArgumentException(jobId + ": shard indexes repeat: " + shards);
    }
    for (int s : shards) {
      if (s < 0 || s >= totalShards) {
        throw new IllegalArgumentException(
            jobId + ": shard " + s + " is outside 0.." + (totalShards - 1));
      }
    }
    if (gang && shards.size() != totalShards) {
      throw new IllegalArgumentException(
          jobId + ": a gang job lists all its " + totalShards + " shards, got " + shards.size());
    }
  }
}
