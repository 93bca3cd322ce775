package org.entente.coordinator.leader;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.state.ConnectionState;
import org.entente.coordinator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's part in the leader election: a Curator {@link LeaderLatch} plus the fencing epoch.
 * On winning, the replica first {@code sync()}s (so it reads everything the previous leader
 * committed), then advances the epoch; only then does it hold a {@link Fence}. The fence is dropped
 * the moment the connection is SUSPENDED or LOST, before the latch itself reacts. Thread-safe.
 */
public final class LeaderElection implements Closeable {
  /** Told when this replica starts or stops leading; called on the election thread. */
  public interface Listener {
    void onLeading(Fence fence);

    void onNotLeading(String why);

    /** Tells each of {@code all} in order when leading starts, and in reverse when it stops. */
    static Listener all(Listener... all) {
      return new Listener() {
        @Override
        public void onLeading(Fence fence) {
          for (Listener l : all) {
            l.onLeading(fence);
          }
        }

        @Override
        public void onNotLeading(String why) {
          for (int i = all.length - 1; i >= 0; i--) {
            all[i].onNotLeading(why);
          }
        }
      };
    }
  }

  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);
  private static final String SHUTTING_DOWN = "shutting down";

  private final CuratorFramework zk;
  private final EpochStore epochs;
  private final String participantId;
  private final Duration syncTimeout;
  private final Listener listener;
  private final ExecutorService thread;
  private final AtomicLong generation = new AtomicLong();
  private volatile Fence fence;
  private volatile LeaderLatch latch;
  private volatile boolean closed;

  public LeaderElection(
      CuratorFramework zk,
      EpochStore epochs,
      String participantId,
      Duration syncTimeout,
      Listener listener) {
    this.zk = zk;
    this.epochs = epochs;
    this.participantId = participantId;
    this.syncTimeout = syncTimeout;
    this.listener = listener;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "entente-election");
              t.setDaemon(true);
              return t;
            });
  }

  public void start() throws Exception {
    zk.getConnectionStateListenable()
        .addListener(
            (client, state) -> {
              if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
                drop("ZooKeeper connection " + state);
              }
            });
    latch = newLatch();
    latch.start();
  }

  private LeaderLatch newLatch() {
    LeaderLatch l =
        new LeaderLatch(
            zk, ZkPaths.LEADER_LATCH, participantId, LeaderLatch.CloseMode.NOTIFY_LEADER);
    l.addListener(
        new LeaderLatchListener() {
          @Override
          public void isLeader() {
            becomeLeader(generation.incrementAndGet());
          }

          @Override
          public void notLeader() {
            generation.incrementAndGet();
            drop("leadership lost");
          }
        },
        thread);
    return l;
  }

  private void becomeLeader(long gen) {
    try {
      CountDownLatch synced = new CountDownLatch(1);
      int[] rc = {-1};
      zk.sync()
          .inBackground(
              (c, e) -> {
                rc[0] = e.getResultCode();
                synced.countDown();
              })
          .forPath(ZkPaths.EPOCH);
      if (!synced.await(syncTimeout.toMillis(), TimeUnit.MILLISECONDS) || rc[0] != 0) {
        rejoin("sync before leading failed (code " + rc[0] + ")");
        return;
      }
      Fence next = epochs.advance(latch.getOurPath());
      if (generation.get() != gen || !latch.hasLeadership()) {
        log.info("leadership changed while installing epoch {}; not leading", next.epoch());
        return;
      }
      fence = next;
      log.info("{} leads the federation with epoch {}", participantId, next.epoch());
      listener.onLeading(next);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Holding the latch without a fence would block the election: leave it and stand again.
      rejoin("could not take leadership: " + e);
    }
  }

  /**
   * Leaves the election and stands again: after a failed takeover, or when a write shows that a
   * newer epoch exists. Another replica leads meanwhile; this one follows.
   */
  public void rejoin(String why) {
    thread.execute(
        () -> {
          if (closed) {
            return;
          }
          generation.incrementAndGet();
          drop(why);
          log.warn("{} leaves and rejoins the election: {}", participantId, why);
          try {
            latch.close();
            latch = newLatch();
            latch.start();
          } catch (Exception e) {
            log.warn("could not rejoin the election: {}", e.toString());
          }
        });
  }

  /**
   * Leaves the election for good (this replica's certificate is no longer trusted): it stops
   * leading at once if it leads, and never stands again.
   */
  public void withdraw(String why) {
    thread.execute(
        () -> {
          if (closed) {
            return;
          }
          closed = true;
          generation.incrementAndGet();
          drop(why);
          log.error("{} withdraws from the election: {}", participantId, why);
          try {
            latch.close();
          } catch (Exception e) {
            log.warn("could not leave the election: {}", e.toString());
          }
        });
  }

  private void drop(String why) {
    Fence old = fence;
    fence = null;
    if (old != null) {
      if (why.equals(SHUTTING_DOWN)) {
        log.info("{} stops leading (epoch {}): {}", participantId, old.epoch(), why);
      } else {
        log.warn("{} stops leading (epoch {}): {}", participantId, old.epoch(), why);
      }
      thread.execute(() -> listener.onNotLeading(why));
    }
  }

  /** The fence while this replica leads. */
  public Optional<Fence> fence() {
    return Optional.ofNullable(fence);
  }

  /** The participant id of the current leader, if one is known. */
  public Optional<String> leaderId() {
    try {
      Participant p = latch.getLeader();
      return p.isLeader() ? Optional.of(p.getId()) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    generation.incrementAndGet();
    drop(SHUTTING_DOWN);
    if (latch != null) {
      latch.close();
    }
    thread.shutdown();
  }
}
