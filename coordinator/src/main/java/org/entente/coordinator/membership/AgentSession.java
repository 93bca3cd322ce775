package org.entente.coordinator.membership;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.security.PeerIdentity;

/**
 * One agent stream held by this replica. The heartbeat fields are soft state: written by the
 * stream's own (serialized) gRPC callbacks, read by the membership loop. Sending is synchronized
 * because gRPC observers are not thread-safe. Thread-safe.
 */
public final class AgentSession {
  private final String id;
  private final PeerIdentity peer;
  private final ServerCallStreamObserver<CoordinatorMessage> out;
  private final long openedAtMs;
  private volatile NodeRecord record;
  private volatile long lastHeartbeatMs;
  private volatile boolean draining;
  private long lastSequence;
  private boolean closed;
  private Runnable onClose = () -> {};

  public AgentSession(
      String id,
      PeerIdentity peer,
      ServerCallStreamObserver<CoordinatorMessage> out,
      long openedAtMs) {
    this.id = id;
    this.peer = peer;
    this.out = out;
    this.openedAtMs = openedAtMs;
    this.lastHeartbeatMs = openedAtMs;
  }

  public String id() {
    return id;
  }

  public PeerIdentity peer() {
    return peer;
  }

  public NodeKey key() {
    return new NodeKey(peer.identity().nation(), peer.identity().name());
  }

  public long openedAtMs() {
    return openedAtMs;
  }

  /** The node's record once registered, else null. */
  public NodeRecord record() {
    return record;
  }

  void record(NodeRecord r) {
    this.record = r;
  }

  public long lastHeartbeatMs() {
    return lastHeartbeatMs;
  }

  public boolean draining() {
    return draining;
  }

  void draining(boolean d) {
    this.draining = d;
  }

  /**
   * Records a heartbeat; called only from the stream's own callbacks.
   *
   * @return false if the sequence did not increase (a replayed or reordered heartbeat)
   */
  public boolean heartbeat(long sequence, long nowMs) {
    if (sequence <= lastSequence) {
      return false;
    }
    lastSequence = sequence;
    lastHeartbeatMs = nowMs;
    return true;
  }

  /** Sends a message unless the stream has ended. */
  public synchronized void send(CoordinatorMessage m) {
    if (!closed && !out.isCancelled()) {
      out.onNext(m);
    }
  }

  /**
   * Runs {@code r} once when this replica ends the stream. gRPC runs a call's cancel handler only
   * when the client or transport ends it, so server-side closes need their own hook.
   */
  public synchronized void onClose(Runnable r) {
    this.onClose = r;
  }

  /** Ends the stream with {@code status} (OK completes it normally). Idempotent. */
  public void close(Status status) {
    Runnable after;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      after = onClose;
      if (!out.isCancelled()) {
        if (status.isOk()) {
          out.onCompleted();
        } else {
          out.onError(status.asRuntimeException());
        }
      }
    }
    after.run();
  }

  public synchronized boolean isClosed() {
    return closed || out.isCancelled();
  }
}
