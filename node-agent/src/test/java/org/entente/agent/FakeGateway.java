package org.entente.agent;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Drain;
import org.entente.proto.v1.Registered;
import org.entente.security.FederationTrust;
import org.entente.security.IdentityInterceptor;
import org.entente.security.KeyMaterial;
import org.entente.security.PeerIdentity;
import org.entente.security.TlsContexts;

/**
 * A minimal coordinator gateway of our own, over real mTLS, that records what agents send and can
 * send commands down. The coordinator module tests the real gateway; this one lets the agent be
 * tested without depending on the coordinator module.
 */
final class FakeGateway implements AutoCloseable {
  final List<AgentMessage> received = new CopyOnWriteArrayList<>();
  final List<String> callers = new CopyOnWriteArrayList<>();
  private final List<StreamObserver<CoordinatorMessage>> streams = new CopyOnWriteArrayList<>();
  private final Server server;
  private final String name;
  private volatile io.grpc.Status refusal;

  FakeGateway(String name, KeyMaterial keys, FederationTrust trust) throws IOException {
    this.name = name;
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(TlsContexts.server(keys, trust, Clock.systemUTC()))
            .intercept(new IdentityInterceptor(trust, Clock.systemUTC()))
            .addService(new Service())
            .build()
            .start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** From now on, answers every Register with this error instead of Registered. */
  void refuseWith(io.grpc.Status status) {
    this.refusal = status;
  }

  /** Sends a drain command down every open stream. */
  void drainAll(String reason) {
    for (StreamObserver<CoordinatorMessage> s : streams) {
      synchronized (s) {
        s.onNext(
            CoordinatorMessage.newBuilder()
                .setDrain(Drain.newBuilder().setReason(reason).setRequestedBy("test"))
                .build());
      }
    }
  }

  /** Sends {@code m} down every open stream. */
  void sendAll(CoordinatorMessage m) {
    for (StreamObserver<CoordinatorMessage> s : streams) {
      synchronized (s) {
        s.onNext(m);
      }
    }
  }

  /** Ends every open stream with UNAVAILABLE, as a replica that lost its connections would. */
  void dropAll() {
    for (StreamObserver<CoordinatorMessage> s : streams) {
      streams.remove(s);
      synchronized (s) {
        s.onError(
            io.grpc.Status.UNAVAILABLE.withDescription("dropped by test").asRuntimeException());
      }
    }
  }

  /** How many streams are open now. */
  int openStreams() {
    return streams.size();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Service extends AgentGatewayGrpc.AgentGatewayImplBase {
    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> out) {
      callers.add(PeerIdentity.current().identity().toString());
      streams.add(out);
      return new StreamObserver<>() {
        @Override
        public void onNext(AgentMessage m) {
          received.add(m);
          if (m.hasRegister() && refusal != null) {
            synchronized (out) {
              out.onError(refusal.asRuntimeException());
            }
          } else if (m.hasRegister()) {
            synchronized (out) {
              out.onNext(
                  CoordinatorMessage.newBuilder()
                      .setRegistered(
                          Registered.newBuilder()
                              .setReplica(name)
                              .setHeartbeatIntervalMs(50)
                              .setSessionId(name + "-1"))
                      .build());
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          streams.remove(out);
        }

        @Override
        public void onCompleted() {
          // Like the coordinator: an agent that half-closes has said all it will say.
          if (streams.remove(out)) {
            synchronized (out) {
              out.onCompleted();
            }
          }
        }
      };
    }
  }
}
