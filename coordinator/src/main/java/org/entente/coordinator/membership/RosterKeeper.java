package org.entente.coordinator.membership;

import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.leader.FencedException;
import org.entente.coordinator.leader.LeaderElection;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.RosterPlanner;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's duty of keeping {@code /roster} in step with live membership: it plans with {@link
 * RosterPlanner} and commits each batch in one transaction fenced by the leader's epoch, so a
 * deposed leader's writes all fail. Runs on its own thread while this replica leads. Thread-safe.
 */
public final class RosterKeeper implements LeaderElection.Listener, Closeable {
  private static final Logger log = LoggerFactory.getLogger(RosterKeeper.class);
  private static final int BATCH = 200;
  private static final int BATCH_BYTES = 512 * 1024;

  private final CuratorFramework zk;
  private final EpochStore epochs;
  private final FederationView view;
  private final Clock clock;
  private final Duration interval;
  private final CoordinatorMetrics metrics;
  private final ScheduledExecutorService thread;
  private volatile Fence fence;
  private volatile Runnable onFenced = () -> {};
  private ScheduledFuture<?> task;

  public RosterKeeper(
      CuratorFramework zk,
      EpochStore epochs,
      FederationView view,
      Clock clock,
      Duration interval,
      CoordinatorMetrics metrics) {
    this.zk = zk;
    this.epochs = epochs;
    this.view = view;
    this.clock = clock;
    this.interval = interval;
    this.metrics = metrics;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "entente-roster");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public synchronized void onLeading(Fence f) {
    fence = f;
    metrics.leader.set(1);
    metrics.epoch.set(f.epoch());
    if (task == null) {
      task =
          thread.scheduleWithFixedDelay(
              this::reconcile, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public synchronized void onNotLeading(String why) {
    fence = null;
    metrics.leader.set(0);
    metrics.epoch.set(0);
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  /** Runs {@code r} when a write shows that a newer leader exists (to step down at once). */
  public void onFenced(Runnable r) {
    this.onFenced = r;
  }

  /** Asks for a reconcile soon (membership changed). */
  public void nudge() {
    if (fence != null) {
      thread.execute(this::reconcile);
    }
  }

  private void reconcile() {
    Fence f = fence;
    if (f == null) {
      return;
    }
    List<RosterPlanner.Change> changes =
        RosterPlanner.plan(view.liveNodes(), view.roster(), clock.millis(), f.epoch());
    for (List<RosterPlanner.Change> batch : batches(changes)) {
      try {
        ensureParents(batch);
        epochs.commit(f, toOps(batch));
      } catch (FencedException e) {
        metrics.fencedWrites.inc();
        log.warn("roster write refused: {}", e.getMessage());
        onFenced.run();
        return;
      } catch (KeeperException.BadVersionException
          | KeeperException.NodeExistsException
          | KeeperException.NoNodeException e) {
        log.debug("roster view was stale ({}); retrying next round", e.code());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        log.warn("roster write failed: {}", e.toString());
        return;
      }
    }
  }

  /**
   * Splits changes into transactions of at most {@value #BATCH} entries and {@value #BATCH_BYTES}
   * bytes of data, well under ZooKeeper's 1 MB request limit.
   */
  static List<List<RosterPlanner.Change>> batches(List<RosterPlanner.Change> changes) {
    List<List<RosterPlanner.Change>> out = new ArrayList<>();
    List<RosterPlanner.Change> current = new ArrayList<>();
    long bytes = 0;
    for (RosterPlanner.Change c : changes) {
      long size = Json.write(c.entry()).length;
      if (!current.isEmpty() && (current.size() >= BATCH || bytes + size > BATCH_BYTES)) {
        out.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(c);
      bytes += size;
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }

  private void ensureParents(List<RosterPlanner.Change> batch) throws Exception {
    for (RosterPlanner.Change c : batch) {
      if (c.expectedVersion() < 0) {
        String parent = ZkPaths.rosterOf(c.entry().nation());
        if (zk.checkExists().forPath(parent) == null) {
          try {
            zk.create().creatingParentsIfNeeded().forPath(parent);
          } catch (KeeperException.NodeExistsException raced) {
            // fine
          }
        }
      }
    }
  }

  private List<CuratorOp> toOps(List<RosterPlanner.Change> batch) throws Exception {
    List<CuratorOp> ops = new ArrayList<>(batch.size());
    for (RosterPlanner.Change c : batch) {
      String path = ZkPaths.rosterEntry(c.entry().nation(), c.entry().name());
      byte[] data = Json.write(c.entry());
      ops.add(
          c.expectedVersion() < 0
              ? zk.transactionOp().create().forPath(path, data)
              : zk.transactionOp().setData().withVersion(c.expectedVersion()).forPath(path, data));
    }
    return ops;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
