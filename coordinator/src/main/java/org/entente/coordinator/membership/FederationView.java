package org.entente.coordinator.membership;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.RosterEntry;
import org.entente.coordinator.model.RosterPlanner;
import org.entente.coordinator.zk.DecodedRecords;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ReplicaRecord;
import org.entente.coordinator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's read view of membership, kept current by Curator caches over {@code /nodes},
 * {@code /roster} and {@code /coordinators/replicas}. Reads serve {@code entente nodes} without
 * touching ZooKeeper. Thread-safe.
 */
public final class FederationView implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(FederationView.class);

  private final CuratorCache nodes;
  private final CuratorCache roster;
  private final CuratorCache replicas;
  private final DecodedRecords<NodeRecord> nodeRecords = new DecodedRecords<>(NodeRecord.class);
  private final DecodedRecords<RosterEntry> rosterEntries = new DecodedRecords<>(RosterEntry.class);

  public FederationView(CuratorFramework zk) {
    this.nodes = CuratorCache.build(zk, ZkPaths.NODES);
    this.roster = CuratorCache.build(zk, ZkPaths.ROSTER);
    this.replicas = CuratorCache.build(zk, ZkPaths.REPLICAS);
  }

  public void start() {
    nodes.start();
    roster.start();
    replicas.start();
  }

  /** Calls {@code r} whenever live membership changes (on a Curator thread). */
  public void onMembershipChange(Runnable r) {
    nodes
        .listenable()
        .addListener(CuratorCacheListener.builder().forAll((t, o, n) -> r.run()).build());
  }

  /** Connected nodes by key. */
  /** The nation of the replica holding {@code node}'s stream, or null when it is not live. */
  public String replicaNationOf(NodeKey node) {
    NodeRecord r = liveNodes().get(node);
    // A node's record names the replica holding its stream as NATION/coordinator@host.
    return r == null ? null : r.replica().substring(0, r.replica().indexOf('/'));
  }

  public Map<NodeKey, NodeRecord> liveNodes() {
    Map<NodeKey, NodeRecord> out = new TreeMap<>();
    int[] seen = {0};
    nodes.stream()
        .filter(
            d ->
                depth(d.getPath(), ZkPaths.NODES) == 2
                    && d.getData() != null
                    && d.getData().length > 0)
        .forEach(
            d -> {
              seen[0]++;
              try {
                NodeRecord r = nodeRecords.of(d);
                out.put(new NodeKey(r.nation(), r.name()), r);
              } catch (RuntimeException e) {
                log.warn("ignoring unreadable node record {}", d.getPath());
              }
            });
    nodeRecords.forgetDeleted(seen[0], () -> paths(nodes));
    return out;
  }

  /** Every node the leader has recorded, with znode versions. */
  public Map<NodeKey, RosterPlanner.Versioned> roster() {
    Map<NodeKey, RosterPlanner.Versioned> out = new TreeMap<>();
    roster.stream()
        .filter(
            d ->
                depth(d.getPath(), ZkPaths.ROSTER) == 2
                    && d.getData() != null
                    && d.getData().length > 0)
        .forEach(
            d -> {
              try {
                RosterEntry e = rosterEntries.of(d);
                out.put(
                    new NodeKey(e.nation(), e.name()),
                    new RosterPlanner.Versioned(e, d.getStat().getVersion()));
              } catch (RuntimeException ex) {
                log.warn("ignoring unreadable roster entry {}", d.getPath());
              }
            });
    rosterEntries.forgetDeleted(out.size(), () -> paths(roster));
    return out;
  }

  private static java.util.Set<String> paths(CuratorCache cache) {
    java.util.Set<String> out = new java.util.HashSet<>();
    cache.stream().forEach(d -> out.add(d.getPath()));
    return out;
  }

  /** Registered coordinator replicas. */
  public List<ReplicaRecord> replicas() {
    List<ReplicaRecord> out = new ArrayList<>();
    for (ChildData d : replicas.stream().toList()) {
      if (depth(d.getPath(), ZkPaths.REPLICAS) == 1
          && d.getData() != null
          && d.getData().length > 0) {
        try {
          out.add(Json.read(d.getData(), ReplicaRecord.class));
        } catch (RuntimeException e) {
          log.warn("ignoring unreadable replica record {}", d.getPath());
        }
      }
    }
    out.sort(java.util.Comparator.comparing(ReplicaRecord::nation));
    return out;
  }

  private static int depth(String path, String base) {
    if (!path.startsWith(base + "/")) {
      return 0;
    }
    return path.substring(base.length() + 1).split("/").length;
  }

  @Override
  public void close() {
    nodes.close();
    roster.close();
    replicas.close();
  }
}
