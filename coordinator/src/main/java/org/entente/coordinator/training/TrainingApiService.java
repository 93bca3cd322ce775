package org.entente.coordinator.training;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import org.entente.coordinator.api.ReplicaClients;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.grpc.StatusMapper;
import org.entente.coordinator.jobs.LeaderLink;
import org.entente.coordinator.model.NodeKey;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundUpdateHeader;
import org.entente.proto.v1.RoundUpload;
import org.entente.proto.v1.TrainingServiceGrpc;
import org.entente.security.Identity;
import org.entente.security.PeerIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FedAvg updates from the agents connected to this replica. The leader averages them itself;
 * another replica relays the update to the leader (ReplicaService.RelayRound) and the answer back,
 * naming the node it authenticated. A node may send only for the attempts placed on it.
 */
public final class TrainingApiService extends TrainingServiceGrpc.TrainingServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(TrainingApiService.class);

  /** A round may wait four timeouts of at most an hour for its quorum. */
  private static final long RELAY_DEADLINE_MS = 4 * 3_600_000L + 300_000L;

  private final RoundAggregator aggregator;
  private final LeaderLink leader;
  private final ReplicaClients peers;
  private final java.util.function.Function<NodeKey, String> holders;

  /**
   * @param holders the nation of the replica holding a node's stream, or null when none does
   */
  public TrainingApiService(
      RoundAggregator aggregator,
      LeaderLink leader,
      ReplicaClients peers,
      java.util.function.Function<NodeKey, String> holders) {
    this.holders = holders;
    this.aggregator = aggregator;
    this.leader = leader;
    this.peers = peers;
  }

  @Override
  public StreamObserver<RoundUpload> exchangeRound(StreamObserver<RoundDownload> out) {
    Identity caller = PeerIdentity.current().identity();
    try {
      AccessPolicy.check(caller, Action.EXCHANGE_ROUND, "", "");
    } catch (ForbiddenException e) {
      out.onError(StatusMapper.toStatus(e));
      return discard();
    }
    NodeKey node = new NodeKey(caller.nation(), caller.name());
    return RoundUploads.collector(
        h -> aggregator.precheck(node, h),
        (h, values) -> {
          if (leader.leadingHere()) {
            reply(out, aggregator.offer(node, h, values));
          } else {
            relay(out, h.toBuilder().setNode(node.toString()).build(), values);
          }
        },
        e -> out.onError(StatusMapper.toStatus(e)));
  }

  /** The leader's side of ReplicaService.RelayRound: the relaying replica vouches for the node. */
  public StreamObserver<RoundUpload> relayed(StreamObserver<RoundDownload> out) {
    Identity caller = PeerIdentity.current().identity();
    try {
      AccessPolicy.check(caller, Action.REPLICA_INTERNAL, "", "");
    } catch (ForbiddenException e) {
      out.onError(StatusMapper.toStatus(e));
      return discard();
    }
    return RoundUploads.collector(
        h -> {
          NodeKey node = NodeKey.parse(h.getNode());
          vouched(caller, node);
          aggregator.precheck(node, h);
        },
        (h, values) -> reply(out, aggregator.offer(NodeKey.parse(h.getNode()), h, values)),
        e -> out.onError(StatusMapper.toStatus(e)));
  }

  /**
   * A relaying replica speaks only for nodes whose stream it holds: a coordinator of one nation
   * cannot send updates in the name of a node connected elsewhere.
   */
  private void vouched(Identity relay, NodeKey node) {
    String holder = holders.apply(node);
    if (holder == null || !holder.equals(relay.nation())) {
      throw new ForbiddenException(
          relay
              + " relayed an update for "
              + node
              + ", whose stream "
              + (holder == null ? "no replica holds" : "the " + holder + " replica holds"));
    }
  }

  private static void reply(
      StreamObserver<RoundDownload> out, CompletableFuture<RoundAggregator.Answer> answer) {
    answer.whenComplete(
        (a, err) -> {
          if (err != null) {
            out.onError(StatusMapper.toStatus(Calls.unwrap(err)));
          } else {
            RoundUploads.answer(out, a.header(), a.values());
          }
        });
  }

  private void relay(StreamObserver<RoundDownload> out, RoundUpdateHeader h, float[] values) {
    String address;
    try {
      address = leader.leaderAddress();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    StreamObserver<RoundDownload> back =
        new StreamObserver<>() {
          @Override
          public void onNext(RoundDownload m) {
            out.onNext(m);
          }

          @Override
          public void onError(Throwable t) {
            log.debug("relayed round of {} failed: {}", h.getJobId(), t.toString());
            out.onError(StatusMapper.toStatus(t));
          }

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        };
    try {
      RoundUploads.send(peers.replicaAsync(address, RELAY_DEADLINE_MS).relayRound(back), h, values);
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  private static <T> StreamObserver<T> discard() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
