package org.entente.coordinator.membership;

import io.grpc.Status;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.Resources;
import org.entente.coordinator.zk.EphemeralOwner;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Drain;
import org.entente.security.FederationTrust;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the presence znodes of the nodes whose streams this replica holds. Every change runs on one
 * event thread, so the session table needs no further locking for decisions: register (claim the
 * znode, taking a stale one over), release on disconnect, mark LOST when heartbeats stop and ACTIVE
 * when they resume, drain, and a periodic check that this replica still owns each znode. Heartbeats
 * themselves never reach ZooKeeper. Thread-safe.
 */
public final class MembershipKeeper implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(MembershipKeeper.class);

  private final EphemeralOwner owner;
  private final Clock clock;
  private final String replica;
  private final Duration lostTimeout;
  private final CoordinatorMetrics metrics;
  private final Map<NodeKey, AgentSession> sessions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop;
  private long ticks;
  private volatile boolean closing;

  public MembershipKeeper(
      EphemeralOwner owner,
      Clock clock,
      String replica,
      Duration lostTimeout,
      CoordinatorMetrics metrics) {
    this.owner = owner;
    this.clock = clock;
    this.replica = replica;
    this.lostTimeout = lostTimeout;
    this.metrics = metrics;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "entente-membership");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the periodic liveness and ownership checks. */
  public void start(Duration tick) {
    loop.scheduleWithFixedDelay(
        this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Records the node as a member served here; completes when its znode is written. */
  public CompletableFuture<NodeRecord> register(
      AgentSession s, Resources resources, boolean draining) {
    return CompletableFuture.supplyAsync(
        () -> {
          NodeKey key = s.key();
          AgentSession previous = sessions.get(key);
          if (previous != null && previous != s) {
            previous.close(
                Status.ABORTED.withDescription(
                    "superseded by a newer connection from the same node"));
          }
          NodeRecord record =
              new NodeRecord(
                  key.nation(),
                  key.name(),
                  resources,
                  draining ? NodeState.DRAINING : NodeState.ACTIVE,
                  replica,
                  clock.millis(),
                  s.id());
          try {
            owner.claim(ZkPaths.node(key.nation(), key.name()), Json.write(record));
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(
                new org.entente.coordinator.errors.UnavailableException(
                    "cannot record membership (ZooKeeper: "
                        + e.getClass().getSimpleName()
                        + "); try another replica"));
          }
          s.draining(draining);
          s.record(record);
          sessions.put(key, s);
          metrics.agentStreams.set(sessions.size());
          log.info("node {} joined via {} ({} GPUs)", key, replica, resources.gpus().size());
          return record;
        },
        loop);
  }

  /** Closes {@code s} if it has not registered {@code within} from now. */
  public void requireRegistration(AgentSession s, Duration within) {
    if (closing) {
      return;
    }
    loop.schedule(
        () -> {
          if (s.record() == null && !s.isClosed()) {
            s.close(
                Status.DEADLINE_EXCEEDED.withDescription(
                    "send Register within " + within.toSeconds() + " s of opening the stream"));
          }
        },
        within.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The stream ended: release the znode if this session still holds the node. */
  public void disconnected(AgentSession s) {
    if (closing) {
      return;
    }
    loop.execute(
        () -> {
          if (s.record() != null && sessions.remove(s.key(), s)) {
            metrics.agentStreams.set(sessions.size());
            try {
              owner.releaseIfOwned(ZkPaths.node(s.key().nation(), s.key().name()));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (Exception e) {
              log.warn("could not release {}: {}", s.key(), e.toString());
            }
            log.info("node {} disconnected from {}", s.key(), replica);
          }
        });
  }

  /** Sends a drain command to a node held here; completes with whether it was held here. */
  public CompletableFuture<Boolean> drain(NodeKey key, String reason, String requestedBy) {
    return CompletableFuture.supplyAsync(
        () -> {
          AgentSession s = sessions.get(key);
          if (s == null || s.record() == null) {
            return false;
          }
          s.draining(true);
          s.send(
              CoordinatorMessage.newBuilder()
                  .setDrain(Drain.newBuilder().setReason(reason).setRequestedBy(requestedBy))
                  .build());
          writeState(s, stateOf(s, clock.millis()));
          return true;
        },
        loop);
  }

  /** Cuts every stream whose certificate the new trust snapshot revokes. */
  public void cutRevoked(FederationTrust.Snapshot trust, List<AgentSession> open) {
    for (AgentSession s : open) {
      String nation = s.peer().identity().nation();
      boolean removed = trust.bundle().root(nation) == null;
      if ((removed || trust.isRevoked(nation, s.peer().serial())) && !s.isClosed()) {
        s.close(
            Status.UNAUTHENTICATED.withDescription(
                removed
                    ? nation + " is no longer a member nation"
                    : "certificate " + s.peer().identity() + " was revoked"));
        metrics.streamsCut.inc();
        log.warn(
            "cut stream of {} ({})",
            s.peer().identity(),
            removed ? "its nation was removed" : "revoked");
      }
    }
  }

  /** The registered session of {@code key} held here, or null. */
  public AgentSession session(NodeKey key) {
    AgentSession s = sessions.get(key);
    return s == null || s.record() == null ? null : s;
  }

  /** Registered sessions, for reads (last heartbeat per node). */
  public Map<NodeKey, AgentSession> sessions() {
    return Map.copyOf(sessions);
  }

  private void tick() {
    try {
      long now = clock.millis();
      for (AgentSession s : sessions.values()) {
        NodeState desired = stateOf(s, now);
        if (desired != s.record().state()) {
          if (desired == NodeState.LOST) {
            metrics.nodesLost.inc();
            log.warn(
                "node {} stopped heartbeating for {} ms: LOST", s.key(), now - s.lastHeartbeatMs());
          }
          writeState(s, desired);
        }
      }
      if (++ticks % 5 == 0) {
        checkOwnership();
      }
    } catch (RuntimeException e) {
      log.warn("membership tick failed: {}", e.toString());
    }
  }

  private NodeState stateOf(AgentSession s, long now) {
    if (now - s.lastHeartbeatMs() > lostTimeout.toMillis()) {
      return NodeState.LOST;
    }
    return s.draining() ? NodeState.DRAINING : NodeState.ACTIVE;
  }

  private void writeState(AgentSession s, NodeState state) {
    NodeRecord next = s.record().withState(state);
    try {
      if (owner.updateIfOwned(ZkPaths.node(next.nation(), next.name()), Json.write(next))) {
        s.record(next);
      }
    } catch (Exception e) {
      log.warn("could not record {} as {}: {}", s.key(), state, e.toString());
    }
  }

  /**
   * Heals presence after ZooKeeper trouble: re-creates a znode this replica lost with an expired
   * session, and closes a stream whose node another replica has taken over.
   */
  private void checkOwnership() {
    long me;
    try {
      me = owner.session();
    } catch (Exception e) {
      return;
    }
    for (AgentSession s : sessions.values()) {
      String path = ZkPaths.node(s.key().nation(), s.key().name());
      try {
        long holder = owner.ownerOf(path);
        if (holder == me) {
          continue;
        }
        if (holder == 0) {
          owner.claim(path, Json.write(s.record()));
          log.info("re-created presence of {} after a session change", s.key());
        } else {
          sessions.remove(s.key(), s);
          metrics.agentStreams.set(sessions.size());
          s.close(Status.ABORTED.withDescription("node reconnected through another replica"));
        }
      } catch (Exception e) {
        log.debug("ownership check of {} failed: {}", s.key(), e.toString());
      }
    }
  }

  @Override
  public void close() {
    // Stop taking work first: closing a session reports back through disconnected(), which must
    // not run once the loop is gone. Presence znodes vanish with the session anyway.
    closing = true;
    loop.shutdownNow();
    for (AgentSession s : sessions.values()) {
      s.close(Status.UNAVAILABLE.withDescription("coordinator replica shutting down"));
    }
  }
}
