package org.entente.coordinator.api;

import io.grpc.stub.StreamObserver;
import org.entente.coordinator.artifacts.ArtifactApiService;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.jobs.LeaderLink;
import org.entente.coordinator.membership.AgentSession;
import org.entente.coordinator.membership.MembershipKeeper;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.training.TrainingApiService;
import org.entente.proto.v1.ArtifactChunk;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.CancelJobResponse;
import org.entente.proto.v1.DrainLocalRequest;
import org.entente.proto.v1.DrainLocalResponse;
import org.entente.proto.v1.ForwardCancelRequest;
import org.entente.proto.v1.ForwardReportsRequest;
import org.entente.proto.v1.ForwardReportsResponse;
import org.entente.proto.v1.ForwardSubmitRequest;
import org.entente.proto.v1.GetArtifactRequest;
import org.entente.proto.v1.LocalNode;
import org.entente.proto.v1.LocalNodesRequest;
import org.entente.proto.v1.LocalNodesResponse;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.proto.v1.ReplicaServiceGrpc;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundUpload;
import org.entente.proto.v1.SubmitJobResponse;
import org.entente.security.PeerIdentity;

/** Coordinator-internal calls: only callers with a coordinator certificate. Thread-safe. */
public final class ReplicaApiService extends ReplicaServiceGrpc.ReplicaServiceImplBase {
  private final String replica;
  private final MembershipKeeper keeper;
  private final LeaderLink.Local leader;
  private final ArtifactApiService artifacts;
  private final TrainingApiService training;

  public ReplicaApiService(
      String replica,
      MembershipKeeper keeper,
      LeaderLink.Local leader,
      ArtifactApiService artifacts,
      TrainingApiService training) {
    this.replica = replica;
    this.keeper = keeper;
    this.leader = leader;
    this.artifacts = artifacts;
    this.training = training;
  }

  private LeaderLink.Local leaderHere() {
    AccessPolicy.check(PeerIdentity.current().identity(), Action.REPLICA_INTERNAL, "", "");
    if (!leader.leading()) {
      throw new UnavailableException(
          replica + " does not lead now; the forwarding replica should retry");
    }
    return leader;
  }

  @Override
  public void forwardSubmit(ForwardSubmitRequest req, StreamObserver<SubmitJobResponse> out) {
    Calls.async(out, () -> leaderHere().submit(req.getRequest(), req.getSubmittedBy()));
  }

  @Override
  public void forwardCancel(ForwardCancelRequest req, StreamObserver<CancelJobResponse> out) {
    Calls.async(out, () -> leaderHere().cancel(req.getRequest(), req.getRequestedBy()));
  }

  @Override
  public void forwardReports(
      ForwardReportsRequest req, StreamObserver<ForwardReportsResponse> out) {
    Calls.async(
        out,
        () -> {
          LeaderLink.Local l = leaderHere();
          NodeKey node;
          try {
            node = NodeKey.parse(req.getNode());
          } catch (RuntimeException e) {
            throw new InvalidRequestException("node", "expected NATION/name");
          }
          return l.report(node, req.getReportsList())
              .thenApply(
                  settled -> ForwardReportsResponse.newBuilder().addAllSettled(settled).build());
        });
  }

  @Override
  public void localNodes(LocalNodesRequest req, StreamObserver<LocalNodesResponse> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.REPLICA_INTERNAL, "", "");
          LocalNodesResponse.Builder b = LocalNodesResponse.newBuilder().setReplica(replica);
          for (AgentSession s : keeper.sessions().values()) {
            b.addNodes(
                LocalNode.newBuilder()
                    .setNation(s.key().nation())
                    .setName(s.key().name())
                    .setLastHeartbeatUnixMs(s.lastHeartbeatMs())
                    .setState(s.record().state().name()));
          }
          return b.build();
        });
  }

  @Override
  public void drainLocal(DrainLocalRequest req, StreamObserver<DrainLocalResponse> out) {
    Calls.async(
        out,
        () -> {
          var caller = PeerIdentity.current().identity();
          AccessPolicy.check(caller, Action.REPLICA_INTERNAL, "", "");
          // The forwarding replica is named too: the operator's name is its claim, not ours.
          return keeper
              .drain(
                  new NodeKey(req.getNation(), req.getName()),
                  req.getReason(),
                  req.getRequestedBy() + " via " + caller)
              .thenApply(ok -> DrainLocalResponse.newBuilder().setDelivered(ok).build());
        });
  }

  // The artifact calls check that the caller is a coordinator, as every call here must.

  @Override
  public StreamObserver<PutArtifactRequest> replicateArtifact(StreamObserver<ArtifactInfo> out) {
    return artifacts.receiveCopy(out);
  }

  @Override
  public void fetchArtifact(GetArtifactRequest req, StreamObserver<ArtifactChunk> out) {
    artifacts.serveCopy(req, out);
  }

  @Override
  public StreamObserver<RoundUpload> relayRound(StreamObserver<RoundDownload> out) {
    return training.relayed(out);
  }
}
