package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.model.JobArray;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.OutputRef;
import org.entente.proto.v1.CancelJobRequest;
import org.entente.proto.v1.CancelJobResponse;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.SubmitJobResponse;
import org.entente.security.Identity;

/**
 * The leader's answers to job calls, whether they arrived here or were forwarded: it validates the
 * spec again (a forwarding replica is trusted with the caller's identity, not with the spec) and
 * hands the work to {@link JobLeader}. Thread-safe.
 */
public final class LocalLeader implements LeaderLink.Local {
  private final JobLeader leader;

  public LocalLeader(JobLeader leader) {
    this.leader = leader;
  }

  @Override
  public boolean leading() {
    return leader.leading();
  }

  @Override
  public CompletableFuture<SubmitJobResponse> submit(SubmitJobRequest req, String submittedBy) {
    Identity caller = Identity.parseUri(submittedBy);
    if (!caller.nation().equals(req.getNation())) {
      throw new ForbiddenException(
          "operator " + caller + " may submit only on " + caller.nation() + "'s account");
    }
    JobSpec spec = JobSpec.fromProto(req.getSpec());
    String requestId =
        req.getRequestId().isEmpty() ? java.util.UUID.randomUUID().toString() : req.getRequestId();
    if (req.getArrayCount() > 0) {
      return submitArray(
          JobArray.of(req.getArrayList()), spec, req.getNation(), submittedBy, requestId);
    }
    return leader
        .submit(new JobLeader.Submission(spec, req.getNation(), submittedBy, requestId))
        .thenApply(
            s ->
                SubmitJobResponse.newBuilder()
                    .setJobId(s.jobId())
                    .setDuplicate(s.duplicate())
                    .build());
  }

  /**
   * Queues every job of an array at once, so they enter the same pass; each has a request id of its
   * own derived from the array's, so a retried array creates only the jobs a failed attempt did
   * not.
   */
  private CompletableFuture<SubmitJobResponse> submitArray(
      JobArray array, JobSpec spec, String nation, String submittedBy, String requestId) {
    int[] indices = array.indices();
    List<JobLeader.Submission> jobs = new ArrayList<>(indices.length);
    for (int index : indices) {
      jobs.add(
          new JobLeader.Submission(
              JobArray.element(spec, index),
              nation,
              submittedBy,
              JobArray.requestId(requestId, index)));
    }
    return leader
        .submitAll(jobs)
        .thenApply(
            done -> {
              SubmitJobResponse.Builder b =
                  SubmitJobResponse.newBuilder()
                      .setJobId(done.get(0).jobId())
                      .setDuplicate(done.stream().allMatch(JobLeader.Submitted::duplicate));
              for (int i = 0; i < indices.length; i++) {
                b.addJobIds(done.get(i).jobId()).addArrayIndices(indices[i]);
              }
              return b.build();
            });
  }

  @Override
  public CompletableFuture<CancelJobResponse> cancel(CancelJobRequest req, String requestedBy) {
    Identity caller = Identity.parseUri(requestedBy);
    String reason =
        "cancelled by " + caller + (req.getReason().isBlank() ? "" : ": " + clip(req.getReason()));
    return leader
        .cancel(req.getJobId(), reason, caller.nation())
        .thenApply(
            job -> CancelJobResponse.newBuilder().setJob(JobProtos.summary(job, null)).build());
  }

  @Override
  public CompletableFuture<List<Boolean>> report(NodeKey node, List<ShardReport> reports) {
    List<Report> out = new ArrayList<>(reports.size());
    for (ShardReport r : reports) {
      ShardDispatcher.validate(r);
      out.add(
          new Report(
              r.getJobId(),
              r.getShard(),
              r.getAttempt(),
              phase(r),
              r.getMessage(),
              r.hasOutput() && r.getPhase() == ShardPhase.SHARD_PHASE_SUCCEEDED
                  ? new OutputRef(
                      r.getOutput().getSha256(),
                      r.getOutput().getSizeBytes(),
                      r.getOutput().getRows())
                  : null,
              r.hasReceipt() ? leader.verifyReceipt(r.getReceipt()) : null));
    }
    return leader.report(node, out);
  }

  private static JobLifecycle.Phase phase(ShardReport r) {
    return switch (r.getPhase()) {
      case SHARD_PHASE_RUNNING -> JobLifecycle.Phase.RUNNING;
      case SHARD_PHASE_SUCCEEDED -> JobLifecycle.Phase.SUCCEEDED;
      case SHARD_PHASE_FAILED -> JobLifecycle.Phase.FAILED;
      case SHARD_PHASE_CANCELLED -> JobLifecycle.Phase.CANCELLED;
      default ->
          throw new org.entente.coordinator.errors.InvalidRequestException(
              "shard_report.phase", "must be set");
    };
  }

  private static String clip(String s) {
    String t = s.replaceAll("[^\\x20-\\x7e]", "?");
    return t.length() > 200 ? t.substring(0, 200) : t;
  }
}
