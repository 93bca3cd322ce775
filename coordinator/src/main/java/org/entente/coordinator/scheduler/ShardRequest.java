package org.entente.coordinator.scheduler;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a {@link Constraint} judges a node against: one shard of a job, its rules, and for a spread
 * job how many of its shards each nation already holds and the most one nation may hold. Immutable.
 */
public record ShardRequest(
    String jobId,
    ShardDemand demand,
    Placement placement,
    Map<String, Integer> shardsPerNation,
    int perNationCap) {
  public ShardRequest {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(demand, "demand");
    Objects.requireNonNull(placement, "placement");
    shardsPerNation = Collections.unmodifiableSortedMap(new TreeMap<>(shardsPerNation));
  }

  /** A request with no spread bookkeeping. */
  public static ShardRequest of(String jobId, ShardDemand demand, Placement placement) {
    return new ShardRequest(jobId, demand, placement, Map.of(), Integer.MAX_VALUE);
  }
}
