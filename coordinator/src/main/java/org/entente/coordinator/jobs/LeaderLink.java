package org.entente.coordinator.jobs;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.entente.coordinator.api.ReplicaClients;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.leader.LeaderElection;
import org.entente.coordinator.model.NodeKey;
import org.entente.proto.v1.CancelJobRequest;
import org.entente.proto.v1.CancelJobResponse;
import org.entente.proto.v1.ForwardCancelRequest;
import org.entente.proto.v1.ForwardReportsRequest;
import org.entente.proto.v1.ForwardSubmitRequest;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.SubmitJobResponse;

/**
 * Reaches the leader's job duties: in this process when this replica leads, else over the
 * coordinator-internal service of the replica that does. Thread-safe.
 */
public final class LeaderLink implements AutoCloseable {
  private static final long FORWARD_DEADLINE_MS = 10_000;

  /** The leader's side of a forwarded call, as the local leader answers it. */
  public interface Local {
    boolean leading();

    CompletableFuture<SubmitJobResponse> submit(SubmitJobRequest req, String submittedBy);

    CompletableFuture<CancelJobResponse> cancel(CancelJobRequest req, String requestedBy);

    CompletableFuture<List<Boolean>> report(NodeKey node, List<ShardReport> reports);
  }

  private final Local local;
  private final LeaderElection election;
  private final ReplicaClients peers;
  private final String self;
  private final ExecutorService forwarding =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "entente-forward");
            t.setDaemon(true);
            return t;
          });

  public LeaderLink(Local local, LeaderElection election, ReplicaClients peers, String self) {
    this.local = local;
    this.election = election;
    this.peers = peers;
    this.self = self;
  }

  public CompletableFuture<SubmitJobResponse> submit(SubmitJobRequest req, String submittedBy) {
    if (local.leading()) {
      return local.submit(req, submittedBy);
    }
    // A job array may take the leader longer than one job: the forward gets what is left of the
    // caller's own deadline, not a fixed one.
    long deadlineMs = callersDeadlineMs();
    return remote(
        address ->
            peers
                .replica(address, deadlineMs)
                .forwardSubmit(
                    ForwardSubmitRequest.newBuilder()
                        .setRequest(req)
                        .setSubmittedBy(submittedBy)
                        .build()));
  }

  public CompletableFuture<CancelJobResponse> cancel(CancelJobRequest req, String requestedBy) {
    if (local.leading()) {
      return local.cancel(req, requestedBy);
    }
    return remote(
        address ->
            peers
                .replica(address, FORWARD_DEADLINE_MS)
                .forwardCancel(
                    ForwardCancelRequest.newBuilder()
                        .setRequest(req)
                        .setRequestedBy(requestedBy)
                        .build()));
  }

  public CompletableFuture<List<Boolean>> report(NodeKey node, List<ShardReport> reports) {
    if (local.leading()) {
      return local.report(node, reports);
    }
    return remote(
        address ->
            peers
                .replica(address, FORWARD_DEADLINE_MS)
                .forwardReports(
                    ForwardReportsRequest.newBuilder()
                        .setNode(node.toString())
                        .addAllReports(reports)
                        .build())
                .getSettledList());
  }

  /**
   * What is left of the incoming call's deadline (the server gives every call one), less a moment
   * to answer in; {@link #FORWARD_DEADLINE_MS} outside a call.
   */
  private static long callersDeadlineMs() {
    io.grpc.Deadline d = io.grpc.Context.current().getDeadline();
    if (d == null) {
      return FORWARD_DEADLINE_MS;
    }
    return Math.max(1_000, d.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS) - 250);
  }

  /** Whether this replica is the leader (its duties run in this process). */
  public boolean leadingHere() {
    return local.leading();
  }

  /**
   * The address of the leading replica's server.
   *
   * @throws UnavailableException when none is elected, or the election names this replica while it
   *     does not lead yet
   */
  public String leaderAddress() {
    String leader = election.leaderId().orElse("");
    int at = leader.lastIndexOf('@');
    if (at < 0 || leader.equals(self)) {
      throw new UnavailableException("no leader is elected right now; retry in a few seconds");
    }
    return leader.substring(at + 1);
  }

  private <T> CompletableFuture<T> remote(java.util.function.Function<String, T> call) {
    String address;
    try {
      address = leaderAddress();
    } catch (UnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      return CompletableFuture.supplyAsync(() -> call.apply(address), forwarding);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new UnavailableException("this replica is shutting down; try another replica"));
    }
  }

  @Override
  public void close() {
    forwarding.shutdownNow();
  }
}
