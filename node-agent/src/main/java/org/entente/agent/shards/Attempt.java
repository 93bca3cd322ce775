package org.entente.agent.shards;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardOutput;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;

/**
 * One attempt of one shard on this node, as the {@link ShardSupervisor} tracks it, and the context
 * its runner sees. The stop request and the worker thread are guarded by this object's monitor;
 * {@link #ended} and the timers by the supervisor's.
 */
final class Attempt implements ShardContext {
  /** Why the agent stopped an attempt: the terminal phase and message to report. */
  record Stop(ShardPhase phase, String message) {}

  final ShardAssignment assignment;
  final ShardReport running;

  /** Completes when the worker thread has left the runner and released the devices. */
  final CompletableFuture<Void> exited = new CompletableFuture<>();

  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private volatile Stop stop;
  private volatile List<Integer> devices = List.of();
  private volatile ShardOutput output;
  private Thread worker;

  boolean ended;
  ScheduledFuture<?> deadline;
  ScheduledFuture<?> grace;

  Attempt(ShardAssignment assignment, ShardReport running) {
    this.assignment = assignment;
    this.running = running;
  }

  int number() {
    return assignment.getAttempt();
  }

  String name() {
    return assignment.getJobId() + "/" + assignment.getShard() + "#" + assignment.getAttempt();
  }

  /** Records the first stop request and wakes the runner; false if one was already made. */
  synchronized boolean requestStop(Stop s) {
    if (stop != null) {
      return false;
    }
    stop = s;
    stopSignal.countDown();
    if (worker != null) {
      worker.interrupt();
    }
    return true;
  }

  Stop stopRequest() {
    return stop;
  }

  synchronized void bind() {
    worker = Thread.currentThread();
  }

  /** Detaches the worker thread so that a late stop request cannot interrupt its next task. */
  synchronized void unbind() {
    worker = null;
    Thread.interrupted();
  }

  void devices(List<Integer> held) {
    devices = held;
  }

  @Override
  public boolean isCancelled() {
    return stop != null;
  }

  @Override
  public boolean awaitCancellation(Duration timeout) throws InterruptedException {
    return stopSignal.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public List<Integer> devices() {
    return devices;
  }

  @Override
  public void recordOutput(ShardOutput out) {
    output = java.util.Objects.requireNonNull(out, "output");
  }

  /** The recorded output, or null. */
  ShardOutput output() {
    return output;
  }
}
