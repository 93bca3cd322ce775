package org.entente.coordinator;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Drain;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.Heartbeat;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.Registered;

/**
 * An agent stream driven by hand: the test decides every Register and Heartbeat sent up, and this
 * records every message that comes down and the status the stream ended with. Heartbeats can also
 * run on a timer. Thread-safe.
 */
final class RawAgent implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(5);

  private final ClientCallStreamObserver<AgentMessage> up;
  private final List<CoordinatorMessage> received = new CopyOnWriteArrayList<>();
  private final List<Consumer<CoordinatorMessage>> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Status> end = new CompletableFuture<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile long lastHeartbeatSentMs;
  private volatile long endedAtMs;
  private ScheduledExecutorService timer;

  private RawAgent(ManagedChannel channel) {
    this.up =
        (ClientCallStreamObserver<AgentMessage>)
            AgentGatewayGrpc.newStub(channel)
                .connect(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(CoordinatorMessage m) {
                        received.add(m);
                        listeners.forEach(l -> l.accept(m));
                      }

                      @Override
                      public void onError(Throwable t) {
                        endedAtMs = System.currentTimeMillis();
                        end.complete(Status.fromThrowable(t));
                      }

                      @Override
                      public void onCompleted() {
                        endedAtMs = System.currentTimeMillis();
                        end.complete(Status.OK);
                      }
                    });
  }

  static RawAgent open(ManagedChannel channel) {
    return new RawAgent(channel);
  }

  /**
   * Calls {@code l} with every message that comes down from now on, on the stream's callback thread
   * (one message at a time, in order), so a test agent can answer as a real one would.
   */
  RawAgent onMessage(Consumer<CoordinatorMessage> l) {
    listeners.add(l);
    return this;
  }

  /** Resources every test node offers unless told otherwise. */
  static NodeResources defaultResources() {
    return NodeResources.newBuilder()
        .setCpuCores(16)
        .setMemoryBytes(64L << 30)
        .addGpus(Gpu.newBuilder().setIndex(0).setModel("H200").setMemoryBytes(141L << 30))
        .putLabels("zone", "a")
        .build();
  }

  /** Sends any message up (dropped once the stream has ended). */
  RawAgent send(AgentMessage m) {
    synchronized (up) {
      if (!end.isDone()) {
        up.onNext(m);
      }
    }
    return this;
  }

  RawAgent register(String nation, String name) {
    return register(nation, name, defaultResources());
  }

  RawAgent register(String nation, String name, NodeResources resources) {
    return register(nation, name, resources, false);
  }

  RawAgent register(String nation, String name, NodeResources resources, boolean draining) {
    return send(
        AgentMessage.newBuilder()
            .setRegister(
                Register.newBuilder()
                    .setNation(nation)
                    .setName(name)
                    .setResources(resources)
                    .setAgentVersion("raw-test")
                    .setDraining(draining))
            .build());
  }

  /** Sends a heartbeat with exactly this sequence number. */
  RawAgent heartbeat(long seq) {
    long now = System.currentTimeMillis();
    send(
        AgentMessage.newBuilder()
            .setHeartbeat(Heartbeat.newBuilder().setSequence(seq).setSentAtUnixMs(now))
            .build());
    sequence.accumulateAndGet(seq, Math::max);
    lastHeartbeatSentMs = now;
    return this;
  }

  /** Sends the next heartbeat in sequence. */
  RawAgent heartbeat() {
    return heartbeat(sequence.get() + 1);
  }

  /** Heartbeats (next sequence each time) every {@code every} until stopped. */
  synchronized RawAgent startHeartbeats(Duration every) {
    return every(every, this::heartbeat);
  }

  /** Resends heartbeat {@code seq} every {@code every} until stopped (a replay). */
  synchronized RawAgent startReplaying(long seq, Duration every) {
    return every(every, () -> heartbeat(seq));
  }

  private RawAgent every(Duration every, Runnable r) {
    stopHeartbeats();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            t -> {
              Thread th = new Thread(t, "raw-agent-heartbeats");
              th.setDaemon(true);
              return th;
            });
    timer.scheduleAtFixedRate(r, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Stops timed heartbeats; when this returns, no timed heartbeat is being sent any more. */
  synchronized void stopHeartbeats() {
    if (timer != null) {
      timer.shutdownNow();
      try {
        if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
          throw new IllegalStateException("heartbeat timer did not stop");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      timer = null;
    }
  }

  /** Wall-clock time the last heartbeat was handed to gRPC. */
  long lastHeartbeatSentMs() {
    return lastHeartbeatSentMs;
  }

  /** Ends the stream normally from the agent's side (half-close). */
  void halfClose() {
    stopHeartbeats();
    synchronized (up) {
      if (!end.isDone()) {
        up.onCompleted();
      }
    }
  }

  List<CoordinatorMessage> received() {
    return List.copyOf(received);
  }

  List<org.entente.proto.v1.ShardAssignment> assignments() {
    return received.stream()
        .filter(CoordinatorMessage::hasAssign)
        .map(CoordinatorMessage::getAssign)
        .toList();
  }

  List<org.entente.proto.v1.CancelShard> cancels() {
    return received.stream()
        .filter(CoordinatorMessage::hasCancel)
        .map(CoordinatorMessage::getCancel)
        .toList();
  }

  List<org.entente.proto.v1.ShardReportAck> acks() {
    return received.stream()
        .filter(CoordinatorMessage::hasReportAck)
        .map(CoordinatorMessage::getReportAck)
        .toList();
  }

  /** Reports a phase of an attempt. */
  RawAgent report(
      String jobId, int shard, int attempt, org.entente.proto.v1.ShardPhase phase, String msg) {
    return send(
        AgentMessage.newBuilder()
            .setShardReport(
                org.entente.proto.v1.ShardReport.newBuilder()
                    .setJobId(jobId)
                    .setShard(shard)
                    .setAttempt(attempt)
                    .setPhase(phase)
                    .setMessage(msg)
                    .setAtUnixMs(System.currentTimeMillis()))
            .build());
  }

  /** Reports a phase of an attempt with the agent's signed usage receipt attached. */
  RawAgent report(
      String jobId,
      int shard,
      int attempt,
      org.entente.proto.v1.ShardPhase phase,
      String msg,
      org.entente.proto.v1.SignedReceipt receipt) {
    return report(
        org.entente.proto.v1.ShardReport.newBuilder()
            .setJobId(jobId)
            .setShard(shard)
            .setAttempt(attempt)
            .setPhase(phase)
            .setMessage(msg)
            .setAtUnixMs(System.currentTimeMillis())
            .setReceipt(receipt)
            .build());
  }

  /** Sends exactly this report (outputs, receipt and all). */
  RawAgent report(org.entente.proto.v1.ShardReport r) {
    return send(AgentMessage.newBuilder().setShardReport(r).build());
  }

  /** Acknowledgements received so far of this attempt's report of {@code phase}. */
  long acksOf(String jobId, int shard, int attempt, org.entente.proto.v1.ShardPhase phase) {
    return acks().stream()
        .filter(
            a ->
                a.getJobId().equals(jobId)
                    && a.getShard() == shard
                    && a.getAttempt() == attempt
                    && a.getPhase() == phase)
        .count();
  }

  /** Waits for the assignment of this job's shard and returns the latest one. */
  org.entente.proto.v1.ShardAssignment awaitAssignment(String jobId, int shard) {
    await()
        .atMost(Duration.ofSeconds(10))
        .alias("assignment of " + jobId + "/" + shard)
        .until(
            () ->
                assignments().stream()
                    .anyMatch(a -> a.getJobId().equals(jobId) && a.getShard() == shard));
    List<org.entente.proto.v1.ShardAssignment> all =
        assignments().stream()
            .filter(a -> a.getJobId().equals(jobId) && a.getShard() == shard)
            .toList();
    return all.get(all.size() - 1);
  }

  /** Waits for this exact attempt's assignment. */
  org.entente.proto.v1.ShardAssignment awaitAssignmentAttempt(
      String jobId, int shard, int attempt) {
    await()
        .atMost(Duration.ofSeconds(15))
        .alias("assignment of " + jobId + "/" + shard + " attempt " + attempt)
        .until(
            () ->
                assignments().stream()
                    .anyMatch(
                        a ->
                            a.getJobId().equals(jobId)
                                && a.getShard() == shard
                                && a.getAttempt() == attempt));
    return assignments().stream()
        .filter(
            a -> a.getJobId().equals(jobId) && a.getShard() == shard && a.getAttempt() == attempt)
        .findFirst()
        .orElseThrow();
  }

  List<Drain> drains() {
    return received.stream()
        .filter(CoordinatorMessage::hasDrain)
        .map(CoordinatorMessage::getDrain)
        .toList();
  }

  List<Registered> registrations() {
    return received.stream()
        .filter(CoordinatorMessage::hasRegistered)
        .map(CoordinatorMessage::getRegistered)
        .toList();
  }

  /** Waits for the Registered reply; fails with the stream's end status if it ends first. */
  Registered awaitRegistered() {
    await()
        .atMost(WAIT)
        .alias("Registered reply")
        .until(() -> !registrations().isEmpty() || end.isDone());
    if (registrations().isEmpty()) {
      throw new AssertionError("stream ended before Registered: " + end.join());
    }
    return registrations().get(0);
  }

  Drain awaitDrain() {
    await().atMost(WAIT).alias("Drain command").until(() -> !drains().isEmpty());
    return drains().get(0);
  }

  boolean ended() {
    return end.isDone();
  }

  /** Wall-clock time the stream ended (0 while open). */
  long endedAtMs() {
    return endedAtMs;
  }

  /** The status the stream ended with, waiting up to {@code timeout}. */
  Status awaitEnd(Duration timeout) {
    try {
      return end.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("agent stream still open after " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    }
  }

  Status awaitEnd() {
    return awaitEnd(WAIT);
  }

  /** Cancels the stream if it is still open; stops heartbeats. Idempotent. */
  @Override
  public void close() {
    stopHeartbeats();
    synchronized (up) {
      if (!end.isDone()) {
        up.cancel("test agent closed", null);
      }
    }
  }
}
