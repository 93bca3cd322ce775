package org.entente.coordinator.api;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.jobs.JobProtos;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.jobs.LeaderLink;
import org.entente.coordinator.jobs.QuotaReport;
import org.entente.coordinator.membership.FederationView;
import org.entente.coordinator.model.JobArray;
import org.entente.coordinator.model.JobFeasibility;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.JobState;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.Resources;
import org.entente.proto.v1.CancelJobRequest;
import org.entente.proto.v1.CancelJobResponse;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.GetQuotasRequest;
import org.entente.proto.v1.GetQuotasResponse;
import org.entente.proto.v1.JobServiceGrpc;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.ListJobsRequest;
import org.entente.proto.v1.ListJobsResponse;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.SubmitJobResponse;
import org.entente.security.Identity;
import org.entente.security.PeerIdentity;

/**
 * Jobs for operators and auditors. Submissions are validated here, against this replica's view of
 * the federation, before anything is forwarded or stored; the leader carries them out. Reads come
 * from this replica's cache. Thread-safe.
 */
public final class JobApiService extends JobServiceGrpc.JobServiceImplBase {
  /** How long a read of a job not yet in this replica's cache may take. */
  private static final long READ_THROUGH_MS = 5_000;

  private final LeaderLink leader;
  private final JobView jobs;
  private final FederationView federation;
  private final Supplier<Set<String>> members;
  private final CuratorFramework zk;

  public JobApiService(
      LeaderLink leader,
      JobView jobs,
      FederationView federation,
      Supplier<Set<String>> members,
      CuratorFramework zk) {
    this.leader = leader;
    this.jobs = jobs;
    this.federation = federation;
    this.members = members;
    this.zk = zk;
  }

  @Override
  public void submitJob(SubmitJobRequest req, StreamObserver<SubmitJobResponse> out) {
    Calls.async(
        out,
        () -> {
          Identity caller = PeerIdentity.current().identity();
          AccessPolicy.check(caller, Action.SUBMIT_JOB, req.getNation(), "");
          if (req.getRequestId().length() > 64 || !req.getRequestId().matches("[A-Za-z0-9-]*")) {
            throw new InvalidRequestException("request_id", "at most 64 letters, digits and '-'");
          }
          JobSpec spec = JobSpec.fromProto(req.getSpec());
          if (req.getArrayCount() > 0) {
            JobArray array = JobArray.of(req.getArrayList());
            JobArray.element(spec, array.indices()[0]);
          }
          JobFeasibility.check(
              spec,
              req.getSpec().getPlacement().getJurisdictionsList(),
              members.get(),
              knownNodes());
          return leader.submit(req, caller.toUri());
        });
  }

  private List<JobFeasibility.NationResources> knownNodes() {
    Map<NodeKey, Resources> known = new TreeMap<>();
    federation.roster().forEach((k, v) -> known.put(k, v.entry().resources()));
    federation.liveNodes().forEach((k, v) -> known.put(k, v.resources()));
    return known.entrySet().stream()
        .map(e -> new JobFeasibility.NationResources(e.getKey().nation(), e.getValue()))
        .toList();
  }

  @Override
  public void listJobs(ListJobsRequest req, StreamObserver<ListJobsResponse> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_JOBS, "", "");
          if (!req.getState().isEmpty()) {
            try {
              JobState.valueOf(req.getState());
            } catch (IllegalArgumentException e) {
              throw new InvalidRequestException(
                  "state",
                  "one of PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED; got '"
                      + req.getState().replaceAll("[^\\x20-\\x7e]", "?")
                      + "'");
            }
          }
          if (req.getLimit() < 0 || req.getLimit() > 100_000) {
            throw new InvalidRequestException("limit", "between 0 and 100000");
          }
          int limit = req.getLimit() == 0 ? 1000 : req.getLimit();
          ListJobsResponse.Builder b = ListJobsResponse.newBuilder();
          for (JobView.Job j : jobs.jobs()) {
            if (b.getJobsCount() >= limit) {
              break;
            }
            if ((req.getNation().isEmpty() || req.getNation().equals(j.record().nation()))
                && (req.getState().isEmpty() || req.getState().equals(j.record().state().name()))) {
              b.addJobs(JobProtos.summary(j.record(), j.shards()));
            }
          }
          return b.build();
        });
  }

  @Override
  public void getJob(GetJobRequest req, StreamObserver<JobStatus> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_JOBS, "", "");
          JobView.Job j =
              jobs.jobWithShardsReadingThrough(req.getJobId(), READ_THROUGH_MS)
                  .orElseThrow(
                      () ->
                          new NotFoundException(
                              "no job "
                                  + req.getJobId().replaceAll("[^\\x20-\\x7e]", "?")
                                  + "; `entente jobs` lists them (a finished job leaves after"
                                  + " scheduling.jobRetention, once its receipts are cosigned;"
                                  + " `entente ledger audit` still counts it)"));
          return JobProtos.status(j.record(), j.shards());
        });
  }

  @Override
  public void cancelJob(CancelJobRequest req, StreamObserver<CancelJobResponse> out) {
    Calls.async(
        out,
        () -> {
          Identity caller = PeerIdentity.current().identity();
          JobView.Job j =
              jobs.jobWithShardsReadingThrough(req.getJobId(), READ_THROUGH_MS)
                  .orElseThrow(() -> new NotFoundException("no job " + req.getJobId()));
          AccessPolicy.check(caller, Action.CANCEL_JOB, j.record().nation(), "");
          if (req.getReason().length() > 1024) {
            throw new InvalidRequestException("reason", "at most 1024 characters");
          }
          return leader.cancel(req, caller.toUri());
        });
  }

  @Override
  public void getQuotas(GetQuotasRequest req, StreamObserver<GetQuotasResponse> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_JOBS, "", "");
          byte[] state;
          try {
            state = zk.getData().forPath(org.entente.coordinator.zk.ZkPaths.SCHEDULER_STATE);
          } catch (KeeperException.NoNodeException e) {
            state = new byte[0];
          }
          Set<String> nations = new TreeSet<>(members.get());
          return QuotaReport.build(
              nations, state, JobView.usage(jobs.jobs()), federation.liveNodes());
        });
  }
}
