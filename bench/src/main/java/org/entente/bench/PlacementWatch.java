package org.entente.bench;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;

/**
 * Times when shard 0 of each job becomes PLACED in ZooKeeper, from a persistent recursive watch on
 * {@code /jobs} held by a Curator client of its own (closing it drops the watch, so it costs
 * nothing outside the latency runs). The time recorded is the arrival of the create or data-change
 * event; the state is confirmed by reading the znode. Thread-safe.
 */
final class PlacementWatch implements AutoCloseable {
  private static final Pattern SHARD0 = Pattern.compile("/jobs/(j[0-9]+-[0-9]+)/shards/0$");

  private final CuratorFramework zk;
  private final Map<String, CompletableFuture<Long>> placedAt = new ConcurrentHashMap<>();

  private PlacementWatch(CuratorFramework zk) {
    this.zk = zk;
  }

  static PlacementWatch start(String connect, String chroot) throws Exception {
    CuratorFramework zk =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .namespace(chroot.substring(1))
            .retryPolicy(new ExponentialBackoffRetry(100, 5, 1000))
            .build();
    zk.start();
    if (!zk.blockUntilConnected(20, TimeUnit.SECONDS)) {
      zk.close();
      throw new IllegalStateException("watch client did not connect to ZooKeeper");
    }
    PlacementWatch w = new PlacementWatch(zk);
    zk.watchers()
        .add()
        .withMode(AddWatchMode.PERSISTENT_RECURSIVE)
        .usingWatcher((Watcher) w::event)
        .forPath(ZkPaths.JOBS);
    return w;
  }

  private void event(WatchedEvent e) {
    long at = System.nanoTime();
    // A job the leader placed in the pass that accepted it is created already PLACED.
    if ((e.getType() != Watcher.Event.EventType.NodeDataChanged
            && e.getType() != Watcher.Event.EventType.NodeCreated)
        || e.getPath() == null) {
      return;
    }
    Matcher m = SHARD0.matcher(e.getPath());
    if (!m.find()) {
      return;
    }
    String id = m.group(1);
    try {
      zk.getData()
          .inBackground(
              (c, r) -> {
                if (r.getResultCode() == 0
                    && Json.read(r.getData(), ShardRecord.class).state() == ShardState.PLACED) {
                  future(id).complete(at);
                }
              })
          .forPath(ZkPaths.shard(id, 0));
    } catch (Exception ex) {
      future(id).completeExceptionally(ex);
    }
  }

  private CompletableFuture<Long> future(String id) {
    return placedAt.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** When job {@code id}'s shard 0 was seen PLACED ({@link System#nanoTime}). */
  long awaitPlaced(String id, Duration timeout) throws Exception {
    return future(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    zk.close();
  }
}
