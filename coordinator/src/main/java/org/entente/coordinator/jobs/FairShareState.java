package org.entente.coordinator.jobs;

import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.scheduler.FairShareInput;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.scheduler.UsageDecay;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;

/**
 * Each nation's decayed usage history, advanced every pass and kept in ZooKeeper ({@code
 * /scheduler/state}) so a new leader continues it rather than forgetting who used what. Weights
 * come from contributed capacity (the ledger will supply verified contributions later). Immutable.
 */
record FairShareState(Map<String, double[]> decayed, long atMs) {

  /** The znode value: the history plus the quotas in force, for reads on any replica. */
  record Stored(
      Map<String, double[]> decayed, long atMs, long halfLifeMs, Map<String, Quota> quotas) {}

  static FairShareState load(CuratorFramework zk, long now) throws Exception {
    try {
      byte[] data = zk.getData().forPath(ZkPaths.SCHEDULER_STATE);
      if (data != null && data.length > 0) {
        Stored s = Json.read(data, Stored.class);
        if (s.decayed() != null) {
          return new FairShareState(new TreeMap<>(s.decayed()), Math.min(now, s.atMs()));
        }
      }
    } catch (KeeperException.NoNodeException e) {
      try {
        zk.create().creatingParentsIfNeeded().forPath(ZkPaths.SCHEDULER_STATE, new byte[0]);
      } catch (KeeperException.NodeExistsException raced) {
        // fine
      }
    }
    return new FairShareState(new TreeMap<>(), now);
  }

  FairShareState advance(long now, Map<String, ResourceVector> usage, long halfLifeMs) {
    long elapsed = Math.max(0, now - atMs);
    if (elapsed == 0) {
      return this;
    }
    Map<String, double[]> next = new TreeMap<>();
    for (String nation : union(decayed.keySet(), usage.keySet())) {
      next.put(
          nation,
          UsageDecay.decay(
              decayed.getOrDefault(nation, new double[3]),
              elapsed,
              halfLifeMs,
              usage.getOrDefault(nation, ResourceVector.ZERO)));
    }
    return new FairShareState(next, now);
  }

  /**
   * Scheduler inputs: history plus weights from verified contributions in the ledger ({@code
   * ledgerShares}, a nation's share of counted GPU- or CPU-time); while the ledger has credited
   * nothing yet, from contributed capacity. Never below 1%, so a nation that has contributed
   * nothing can still run.
   */
  Map<String, FairShareInput> inputs(
      Map<String, ResourceVector> contributed, Map<String, Double> ledgerShares) {
    Map<String, FairShareInput> out = new TreeMap<>();
    java.util.Set<String> nations = union(decayed.keySet(), contributed.keySet());
    nations.addAll(ledgerShares.keySet());
    for (String nation : nations) {
      double w =
          ledgerShares.isEmpty()
              ? weight(nation, contributed)
              : Math.max(0.01, ledgerShares.getOrDefault(nation, 0.0));
      out.put(nation, new FairShareInput(decayed.getOrDefault(nation, new double[3]), w));
    }
    return out;
  }

  /**
   * A nation's share of contributed capacity, by GPUs when the pool has any, else by CPUs; never
   * below 1% so a nation with no nodes can still run.
   */
  static double weight(String nation, Map<String, ResourceVector> contributed) {
    long totalGpus = 0;
    long totalCpus = 0;
    for (ResourceVector v : contributed.values()) {
      totalGpus += v.gpus();
      totalCpus += v.cpus();
    }
    ResourceVector mine = contributed.getOrDefault(nation, ResourceVector.ZERO);
    double share =
        totalGpus > 0
            ? (double) mine.gpus() / totalGpus
            : totalCpus > 0 ? (double) mine.cpus() / totalCpus : 1.0;
    return Math.max(0.01, share);
  }

  Stored record(SchedulingSettings settings) {
    return new Stored(decayed, atMs, settings.halfLife().toMillis(), settings.quotas());
  }

  private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.Set<String> out = new java.util.TreeSet<>(a);
    out.addAll(b);
    return out;
  }
}
