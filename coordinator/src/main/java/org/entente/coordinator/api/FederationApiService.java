package org.entente.coordinator.api;

import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.LeaderElection;
import org.entente.coordinator.membership.AgentSession;
import org.entente.coordinator.membership.FederationView;
import org.entente.coordinator.membership.MembershipKeeper;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.RosterPlanner;
import org.entente.coordinator.zk.FederationStore;
import org.entente.coordinator.zk.ReplicaRecord;
import org.entente.proto.v1.DrainLocalRequest;
import org.entente.proto.v1.DrainNodeRequest;
import org.entente.proto.v1.DrainNodeResponse;
import org.entente.proto.v1.FederationServiceGrpc;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.ListNodesResponse;
import org.entente.proto.v1.LocalNode;
import org.entente.proto.v1.LocalNodesRequest;
import org.entente.proto.v1.NodeStatus;
import org.entente.proto.v1.PublishRevocationsRequest;
import org.entente.proto.v1.PublishRevocationsResponse;
import org.entente.proto.v1.ReplicaStatus;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.Names;
import org.entente.security.PeerIdentity;
import org.entente.security.RevocationList;

/**
 * Reads and operator actions served by every replica. Node listings merge ZooKeeper's view with the
 * heartbeat times held in each replica's memory (asked over the coordinator-internal service).
 * Thread-safe.
 */
public final class FederationApiService extends FederationServiceGrpc.FederationServiceImplBase {
  private static final long PEER_DEADLINE_MS = 2000;

  private final ReplicaRecord self;
  private final FederationView view;
  private final MembershipKeeper keeper;
  private final LeaderElection election;
  private final EpochStore epochs;
  private final FederationStore store;
  private final FederationTrust trust;
  private final ReplicaClients peers;

  public FederationApiService(
      ReplicaRecord self,
      FederationView view,
      MembershipKeeper keeper,
      LeaderElection election,
      EpochStore epochs,
      FederationStore store,
      FederationTrust trust,
      ReplicaClients peers) {
    this.self = self;
    this.view = view;
    this.keeper = keeper;
    this.election = election;
    this.epochs = epochs;
    this.store = store;
    this.trust = trust;
    this.peers = peers;
  }

  @Override
  public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(caller(), Action.READ_FEDERATION, "", "");
          String nation = req.getNation();
          if (!nation.isEmpty()) {
            validNation("nation", nation);
          }
          Map<NodeKey, NodeRecord> live = view.liveNodes();
          Map<NodeKey, RosterPlanner.Versioned> roster = view.roster();
          Map<NodeKey, Long> heartbeats = heartbeats(live);
          TreeSet<NodeKey> keys = new TreeSet<>(live.keySet());
          keys.addAll(roster.keySet());
          ListNodesResponse.Builder b = ListNodesResponse.newBuilder();
          for (NodeKey k : keys) {
            if (!nation.isEmpty() && !k.nation().equals(nation)) {
              continue;
            }
            NodeRecord r = live.get(k);
            RosterPlanner.Versioned e = roster.get(k);
            NodeStatus.Builder s = NodeStatus.newBuilder().setNation(k.nation()).setName(k.name());
            if (r != null) {
              s.setResources(r.resources().toProto())
                  .setState(r.state().name())
                  .setReplica(r.replica())
                  .setLastHeartbeatUnixMs(heartbeats.getOrDefault(k, 0L))
                  .setFirstSeenUnixMs(e != null ? e.entry().firstSeenMs() : r.connectedAtMs());
            } else {
              s.setResources(e.entry().resources().toProto())
                  .setState(NodeState.LOST.name())
                  .setLastHeartbeatUnixMs(e.entry().lastSeenMs())
                  .setFirstSeenUnixMs(e.entry().firstSeenMs());
            }
            b.addNodes(s);
          }
          return b.build();
        });
  }

  /** Last heartbeat per live node: ours from memory, others' from their replicas. */
  private Map<NodeKey, Long> heartbeats(Map<NodeKey, NodeRecord> live) {
    Map<NodeKey, Long> out = new HashMap<>();
    for (Map.Entry<NodeKey, AgentSession> e : keeper.sessions().entrySet()) {
      out.put(e.getKey(), e.getValue().lastHeartbeatMs());
    }
    TreeSet<String> holders = new TreeSet<>();
    live.values().forEach(r -> holders.add(r.replica()));
    holders.remove(self.participantId());
    List<CompletableFuture<List<LocalNode>>> asks =
        view.replicas().stream()
            .filter(r -> holders.contains(r.participantId()))
            .map(
                r ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          try {
                            return peers
                                .replica(r.address(), PEER_DEADLINE_MS)
                                .localNodes(LocalNodesRequest.getDefaultInstance())
                                .getNodesList();
                          } catch (RuntimeException unreachable) {
                            return List.<LocalNode>of();
                          }
                        }))
            .toList();
    for (CompletableFuture<List<LocalNode>> ask : asks) {
      for (LocalNode n : ask.join()) {
        out.put(new NodeKey(n.getNation(), n.getName()), n.getLastHeartbeatUnixMs());
      }
    }
    return out;
  }

  @Override
  public void getFederation(GetFederationRequest req, StreamObserver<FederationStatus> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(caller(), Action.READ_FEDERATION, "", "");
          Optional<String> leader = election.leaderId();
          FederationStatus.Builder b =
              FederationStatus.newBuilder()
                  .addAllNations(trust.snapshot().bundle().nations())
                  .setLeader(leader.map(ReplicaRecord::labelOf).orElse(""))
                  .setEpoch(epochs.current())
                  .setAnsweredBy(self.nation() + "/" + self.name());
          for (ReplicaRecord r : view.replicas()) {
            b.addReplicas(
                ReplicaStatus.newBuilder()
                    .setNation(r.nation())
                    .setName(r.name())
                    .setAddress(r.address())
                    .setLeader(leader.isPresent() && leader.get().equals(r.participantId())));
          }
          return b.build();
        });
  }

  @Override
  public void drainNode(DrainNodeRequest req, StreamObserver<DrainNodeResponse> out) {
    Calls.async(
        out,
        () -> {
          Identity caller = caller();
          validNation("nation", req.getNation());
          AccessPolicy.check(caller, Action.DRAIN_NODE, req.getNation(), req.getName());
          try {
            Names.requireName(req.getName());
          } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("name", e.getMessage());
          }
          NodeKey key = new NodeKey(req.getNation(), req.getName());
          NodeRecord r = view.liveNodes().get(key);
          if (r == null) {
            throw new NotFoundException("node " + key + " is not connected to the federation");
          }
          String reason = req.getReason().isBlank() ? "drained by operator" : req.getReason();
          CompletableFuture<Boolean> delivered;
          if (r.replica().equals(self.participantId())) {
            delivered = keeper.drain(key, reason, caller.toString());
          } else {
            String address = ReplicaRecord.addressOf(r.replica());
            delivered =
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return peers
                            .replica(address, PEER_DEADLINE_MS)
                            .drainLocal(
                                DrainLocalRequest.newBuilder()
                                    .setNation(key.nation())
                                    .setName(key.name())
                                    .setReason(reason)
                                    .setRequestedBy(caller.toString())
                                    .build())
                            .getDelivered();
                      } catch (io.grpc.StatusRuntimeException e) {
                        // The peer's status is about our call to it, not the operator's request.
                        throw new UnavailableException(
                            "replica "
                                + r.replica()
                                + " holding "
                                + key
                                + " could not deliver the drain ("
                                + e.getStatus().getCode()
                                + "); retry");
                      }
                    });
          }
          return delivered.thenApply(
              ok -> {
                if (!ok) {
                  throw new NotFoundException(
                      "node " + key + " disconnected before it could be drained");
                }
                return DrainNodeResponse.newBuilder()
                    .setNode(
                        NodeStatus.newBuilder()
                            .setNation(key.nation())
                            .setName(key.name())
                            .setState(NodeState.DRAINING.name())
                            .setReplica(r.replica())
                            .setResources(r.resources().toProto()))
                    .build();
              });
        });
  }

  @Override
  public void publishRevocations(
      PublishRevocationsRequest req, StreamObserver<PublishRevocationsResponse> out) {
    Calls.unary(
        out,
        () -> {
          validNation("nation", req.getNation());
          AccessPolicy.check(caller(), Action.PUBLISH_REVOCATIONS, req.getNation(), "");
          var root = trust.snapshot().bundle().root(req.getNation());
          if (root == null) {
            throw new NotFoundException("nation " + req.getNation() + " is not a member");
          }
          RevocationList next;
          try {
            next = RevocationList.verify(req.getCrlPem(), root);
          } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("crl_pem", e.getMessage());
          }
          Optional<FederationStore.StoredCrl> stored = store.crl(req.getNation());
          if (stored.isPresent()) {
            RevocationList held = RevocationList.verify(stored.get().pem(), root);
            if (next.number() <= held.number()) {
              throw new ConflictException(
                  "revocation list number "
                      + next.number()
                      + " is not newer than the published number "
                      + held.number()
                      + "; revoke again to issue a newer list");
            }
          }
          try {
            store.publishCrl(req.getNation(), req.getCrlPem(), stored);
          } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
            throw new ConflictException("another revocation list was published meanwhile; retry");
          }
          trust.updateRevocations(next);
          return PublishRevocationsResponse.newBuilder()
              .setCrlNumber(next.number())
              .setRevokedCount(next.serials().size())
              .build();
        });
  }

  private static Identity caller() {
    return PeerIdentity.current().identity();
  }

  private static void validNation(String field, String nation) {
    try {
      Names.requireNation(nation);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(field, e.getMessage());
    }
  }
}
