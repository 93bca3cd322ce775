package org.entente.coordinator.scheduler;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A job with shards waiting to be placed. {@code order} is the submission sequence (lower = older).
 * {@code shards} are the indexes still waiting; for a gang job it holds all {@code totalShards} of
 * them, and they are placed together in one pass or not at all. {@code shardJurisdictions} pins
 * single shards to one nation (the shard reads a data partition that lives there); the job's own
 * {@code placement} applies to every shard as well. Immutable.
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
    int totalShards,
    Map<Integer, String> shardJurisdictions,
    Map<Integer, Placement> shardPlacements) {
  /** A job with shards pinned to nations, and no shard with rules of its own. */
  public PendingJob(
      String jobId,
      String nation,
      int priority,
      long order,
      boolean gang,
      ShardDemand demand,
      Placement placement,
      List<Integer> shards,
      int totalShards,
      Map<Integer, String> shardJurisdictions) {
    this(
        jobId,
        nation,
        priority,
        order,
        gang,
        demand,
        placement,
        shards,
        totalShards,
        shardJurisdictions,
        Map.of());
  }

  /** A job whose shards all follow the job's placement. */
  public PendingJob(
      String jobId,
      String nation,
      int priority,
      long order,
      boolean gang,
      ShardDemand demand,
      Placement placement,
      List<Integer> shards,
      int totalShards) {
    this(jobId, nation, priority, order, gang, demand, placement, shards, totalShards, Map.of());
  }

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
    shardJurisdictions = Collections.unmodifiableSortedMap(new TreeMap<>(shardJurisdictions));
    shardPlacements = Collections.unmodifiableSortedMap(new TreeMap<>(shardPlacements));
    if (gang && !shardPlacements.isEmpty()) {
      throw new IllegalArgumentException(jobId + ": a gang's shards share the job's placement");
    }
    for (var e : shardJurisdictions.entrySet()) {
      if (e.getKey() < 0 || e.getKey() >= totalShards) {
        throw new IllegalArgumentException(
            jobId + ": jurisdiction for shard " + e.getKey() + " outside 0.." + (totalShards - 1));
      }
      if (!placement.jurisdictions().isEmpty()
          && !placement.jurisdictions().contains(e.getValue())) {
        throw new IllegalArgumentException(
            jobId
                + ": shard "
                + e.getKey()
                + " is pinned to "
                + e.getValue()
                + ", outside "
                + placement.jurisdictions());
      }
    }
    if (gang && shards.size() != totalShards) {
      throw new IllegalArgumentException(
          jobId + ": a gang job lists all its " + totalShards + " shards, got " + shards.size());
    }
  }

  /**
   * The rules for one shard: its own when it has them (a replicated shard's next run), else the
   * job's, narrowed to the shard's own jurisdiction if it has one.
   */
  public Placement placementOf(int shard) {
    Placement own = shardPlacements.get(shard);
    if (own != null) {
      return own;
    }
    String pinned = shardJurisdictions.get(shard);
    return pinned == null
        ? placement
        : new Placement(
            Set.of(pinned), placement.spread(), placement.labels(), placement.gpuModel());
  }
}
