package org.entente.coordinator.api;

import io.grpc.stub.StreamObserver;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.membership.AgentSession;
import org.entente.coordinator.membership.MembershipKeeper;
import org.entente.coordinator.model.NodeKey;
import org.entente.proto.v1.DrainLocalRequest;
import org.entente.proto.v1.DrainLocalResponse;
import org.entente.proto.v1.LocalNode;
import org.entente.proto.v1.LocalNodesRequest;
import org.entente.proto.v1.LocalNodesResponse;
import org.entente.proto.v1.ReplicaServiceGrpc;
import org.entente.security.PeerIdentity;

/** Coordinator-internal calls: only callers with a coordinator certificate. Thread-safe. */
public final class ReplicaApiService extends ReplicaServiceGrpc.ReplicaServiceImplBase {
  private final String replica;
  private final MembershipKeeper keeper;

  public ReplicaApiService(String replica, MembershipKeeper keeper) {
    this.replica = replica;
    this.keeper = keeper;
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
}
