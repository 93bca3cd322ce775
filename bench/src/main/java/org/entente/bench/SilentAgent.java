package org.entente.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Heartbeat;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.security.Identity;

/**
 * An agent stream that registers, heartbeats on a shared timer and never runs anything: each
 * assignment it receives is passed to {@code onAssign} with its arrival time ({@link
 * System#nanoTime}). A silent one never reports, so its shards stay PLACED; a finishing one ({@link
 * #connectFinishing}) reports each assignment RUNNING and then SUCCEEDED at once, with the report a
 * {@link Finisher} makes (a signed receipt, or none). Thread-safe.
 */
final class SilentAgent implements AutoCloseable {
  private final StreamObserver<AgentMessage> up;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile boolean ended;
  private ScheduledFuture<?> heartbeats;

  /** The SUCCEEDED report an agent sends for an assignment. */
  interface Finisher {
    ShardReport succeeded(ShardAssignment a);
  }

  private SilentAgent(ManagedChannel channel, ObjLongConsumer<String> onAssign, Finisher finisher) {
    this.up =
        AgentGatewayGrpc.newStub(channel)
            .connect(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CoordinatorMessage m) {
                    if (m.hasAssign()) {
                      onAssign.accept(m.getAssign().getJobId(), System.nanoTime());
                      if (finisher != null) {
                        finish(m.getAssign(), finisher);
                      }
                    } else if (m.hasRegistered()) {
                      registered.complete(null);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended = true;
                    registered.completeExceptionally(
                        new IllegalStateException(
                            "agent stream ended: " + Status.fromThrowable(t), t));
                  }

                  @Override
                  public void onCompleted() {
                    ended = true;
                    registered.completeExceptionally(
                        new IllegalStateException("agent stream completed by the replica"));
                  }
                });
  }

  /** Opens the stream, registers {@code id} with {@code resources} and starts heartbeating. */
  static SilentAgent connect(
      ManagedChannel channel,
      Identity id,
      NodeResources resources,
      ScheduledExecutorService timer,
      Duration heartbeat,
      ObjLongConsumer<String> onAssign)
      throws Exception {
    return connectFinishing(channel, id, resources, timer, heartbeat, onAssign, null);
  }

  /** As {@link #connect}; with a {@code finisher}, every assignment is reported done at once. */
  static SilentAgent connectFinishing(
      ManagedChannel channel,
      Identity id,
      NodeResources resources,
      ScheduledExecutorService timer,
      Duration heartbeat,
      ObjLongConsumer<String> onAssign,
      Finisher finisher)
      throws Exception {
    SilentAgent a = new SilentAgent(channel, onAssign, finisher);
    a.send(
        AgentMessage.newBuilder()
            .setRegister(
                Register.newBuilder()
                    .setNation(id.nation())
                    .setName(id.name())
                    .setResources(resources)
                    .setAgentVersion("submit-bench"))
            .build());
    a.registered.get(10, TimeUnit.SECONDS);
    a.heartbeats =
        timer.scheduleAtFixedRate(a::heartbeat, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    return a;
  }

  boolean ended() {
    return ended;
  }

  private void heartbeat() {
    send(
        AgentMessage.newBuilder()
            .setHeartbeat(
                Heartbeat.newBuilder()
                    .setSequence(sequence.incrementAndGet())
                    .setSentAtUnixMs(System.currentTimeMillis()))
            .build());
  }

  private void finish(ShardAssignment a, Finisher finisher) {
    send(
        AgentMessage.newBuilder()
            .setShardReport(
                ShardReport.newBuilder()
                    .setJobId(a.getJobId())
                    .setShard(a.getShard())
                    .setAttempt(a.getAttempt())
                    .setPhase(ShardPhase.SHARD_PHASE_RUNNING)
                    .setAtUnixMs(System.currentTimeMillis()))
            .build());
    send(AgentMessage.newBuilder().setShardReport(finisher.succeeded(a)).build());
  }

  private void send(AgentMessage m) {
    synchronized (up) {
      if (!ended) {
        up.onNext(m);
      }
    }
  }

  @Override
  public void close() {
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
    synchronized (up) {
      if (!ended) {
        ended = true;
        up.onCompleted();
      }
    }
  }
}
