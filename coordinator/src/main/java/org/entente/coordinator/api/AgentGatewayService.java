package org.entente.coordinator.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.grpc.StatusMapper;
import org.entente.coordinator.jobs.ShardDispatcher;
import org.entente.coordinator.membership.AgentSession;
import org.entente.coordinator.membership.MembershipKeeper;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.Resources;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Registered;
import org.entente.security.FederationTrust;
import org.entente.security.PeerIdentity;
import org.entente.security.Role;

/**
 * The agent stream: register (only as the node named in the caller's certificate), then heartbeats
 * up and commands down. Heartbeats touch only memory. Thread-safe.
 */
public final class AgentGatewayService extends AgentGatewayGrpc.AgentGatewayImplBase {
  /** A stream that has not sent Register by then is closed. */
  static final Duration REGISTER_WITHIN = Duration.ofSeconds(10);

  private final MembershipKeeper keeper;
  private final Clock clock;
  private final String replica;
  private final Duration heartbeatInterval;
  private final CoordinatorMetrics metrics;
  private final ShardDispatcher dispatcher;
  private final AtomicLong sessionIds = new AtomicLong();
  private final Set<AgentSession> open = ConcurrentHashMap.newKeySet();

  public AgentGatewayService(
      MembershipKeeper keeper,
      Clock clock,
      String replica,
      Duration heartbeatInterval,
      CoordinatorMetrics metrics,
      ShardDispatcher dispatcher) {
    this.dispatcher = dispatcher;
    this.keeper = keeper;
    this.clock = clock;
    this.replica = replica;
    this.heartbeatInterval = heartbeatInterval;
    this.metrics = metrics;
  }

  /** Cuts the streams of certificates that {@code trust} revokes. */
  public void cutRevoked(FederationTrust.Snapshot trust) {
    keeper.cutRevoked(trust, List.copyOf(open));
  }

  /** Sends every registered agent what it needs to check whom to trust (governance changed). */
  public void pushTrust() {
    CoordinatorMessage m = CoordinatorMessage.newBuilder().setTrust(trustUpdate.get()).build();
    for (AgentSession s : List.copyOf(open)) {
      if (s.record() != null && !s.isClosed()) {
        s.send(m);
      }
    }
  }

  /** Where the trust updates come from (the governance chain and the nations' lists). */
  public void trustFrom(java.util.function.Supplier<org.entente.proto.v1.TrustUpdate> source) {
    this.trustUpdate = source;
  }

  private volatile java.util.function.Supplier<org.entente.proto.v1.TrustUpdate> trustUpdate =
      org.entente.proto.v1.TrustUpdate::getDefaultInstance;

  @Override
  public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> responses) {
    PeerIdentity peer = PeerIdentity.current();
    ServerCallStreamObserver<CoordinatorMessage> out =
        (ServerCallStreamObserver<CoordinatorMessage>) responses;
    if (peer.identity().role() != Role.NODE) {
      // Refuse at once: a non-node stream must not occupy a slot until it sends Register.
      metrics.denied.labelValues(Action.AGENT_CONNECT.name()).inc();
      out.onError(
          Status.PERMISSION_DENIED
              .withDescription(
                  "agent streams require a node certificate; caller is " + peer.identity())
              .asRuntimeException());
      return new StreamObserver<>() {
        @Override
        public void onNext(AgentMessage m) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    AgentSession session =
        new AgentSession(replica + "-" + sessionIds.incrementAndGet(), peer, out, clock.millis());
    open.add(session);
    out.setOnCancelHandler(() -> end(session));
    // Streams this replica ends itself (revoked, superseded, taken over, bad input) release too.
    session.onClose(() -> end(session));
    keeper.requireRegistration(session, REGISTER_WITHIN);
    return new StreamObserver<>() {
      // Set when the first Register arrives, not when its znode is written (that completes later
      // on the membership thread), so a second Register sent right after the first is refused
      // too. onNext calls of one stream are serialized, so a plain field suffices.
      private boolean registerSeen;

      @Override
      public void onNext(AgentMessage m) {
        try {
          switch (m.getBodyCase()) {
            case REGISTER -> {
              if (registerSeen) {
                throw new InvalidRequestException("register", "this stream is already registered");
              }
              registerSeen = true;
              register(session, m);
            }
            case HEARTBEAT -> heartbeat(session, m);
            case SHARD_REPORT -> {
              if (session.record() == null) {
                throw new InvalidRequestException("shard_report", "send register first");
              }
              dispatcher.report(session, m.getShardReport());
            }
            default ->
                throw new InvalidRequestException(
                    "body", "expected register, heartbeat or shard_report");
          }
        } catch (ForbiddenException e) {
          metrics.denied.labelValues(Action.AGENT_CONNECT.name()).inc();
          fail(session, e);
        } catch (RuntimeException e) {
          fail(session, e);
        }
      }

      @Override
      public void onError(Throwable t) {
        end(session);
      }

      @Override
      public void onCompleted() {
        end(session);
        session.close(Status.OK);
      }
    };
  }

  private void register(AgentSession session, AgentMessage m) {
    if (session.record() != null) {
      throw new InvalidRequestException("register", "this stream is already registered");
    }
    var reg = m.getRegister();
    AccessPolicy.check(
        session.peer().identity(), Action.AGENT_CONNECT, reg.getNation(), reg.getName());
    Resources resources = Resources.fromProto(reg.getResources());
    if (reg.getShardsCount() > 10_000) {
      throw new InvalidRequestException("register.shards", "at most 10000 shard reports");
    }
    reg.getShardsList().forEach(ShardDispatcher::validate);
    keeper
        .register(session, resources, reg.getDraining())
        .whenComplete(
            (record, err) -> {
              if (err != null) {
                fail(session, Calls.unwrap(err));
              } else {
                session.send(
                    CoordinatorMessage.newBuilder()
                        .setRegistered(
                            Registered.newBuilder()
                                .setReplica(replica)
                                .setSessionId(session.id())
                                .setHeartbeatIntervalMs(heartbeatInterval.toMillis()))
                        .build());
                session.send(CoordinatorMessage.newBuilder().setTrust(trustUpdate.get()).build());
                dispatcher.attach(session, reg.getShardsList());
              }
            });
  }

  private void heartbeat(AgentSession session, AgentMessage m) {
    long start = System.nanoTime();
    if (session.record() == null) {
      throw new InvalidRequestException("heartbeat", "send register first");
    }
    if (session.heartbeat(m.getHeartbeat().getSequence(), clock.millis())) {
      metrics.heartbeats.inc();
    } else {
      metrics.heartbeatsIgnored.inc();
    }
    metrics.heartbeatSeconds.observe((System.nanoTime() - start) / 1e9);
  }

  private void fail(AgentSession session, Throwable t) {
    session.close(StatusMapper.toStatus(t).getStatus());
    end(session);
  }

  private void end(AgentSession session) {
    if (open.remove(session)) {
      dispatcher.detach(session);
      keeper.disconnected(session);
    }
  }
}
