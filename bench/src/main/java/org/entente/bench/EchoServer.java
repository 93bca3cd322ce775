package org.entente.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.entente.coordinator.grpc.HardenedServers;
import org.entente.coordinator.grpc.ServerLimits;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Registered;
import org.entente.security.FederationTrust;
import org.entente.security.IdentityInterceptor;
import org.entente.security.KeyMaterial;
import org.entente.security.Pem;
import org.entente.security.TlsContexts;
import org.entente.security.TrustBundle;

/**
 * The baseline for the heartbeat benchmark: a bare grpc-java bidirectional echo on the same service
 * definition, TLS setup, identity interceptor and server limits as a coordinator, with no Entente
 * logic behind it. Runs in its own JVM: {@code EchoServer CERT KEY ROOT...}.
 */
public final class EchoServer {
  /** In sink mode, one reply per this many messages. */
  public static final int SINK_BATCH = 1024;

  private EchoServer() {}

  public static void main(String[] args) throws Exception {
    boolean sink = args[0].equals("sink");
    KeyMaterial keys = KeyMaterial.load(Path.of(args[1]), Path.of(args[2]));
    List<java.security.cert.X509Certificate> roots = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      roots.addAll(Pem.readCertificates(Path.of(args[i])));
    }
    FederationTrust trust = new FederationTrust(TrustBundle.of(roots));
    Server server =
        HardenedServers.apply(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                ServerLimits.defaults())
            .sslContext(TlsContexts.server(keys, trust, Clock.systemUTC()))
            .intercept(new IdentityInterceptor(trust, Clock.systemUTC()))
            .addService(new Echo(sink ? SINK_BATCH : 1))
            .build()
            .start();
    System.out.println((sink ? "sink" : "echo") + " serving at 127.0.0.1:" + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  /**
   * Answers every message with one message of similar size, reading the next message only when the
   * reply can be sent (grpc-java's manual flow control), so a fast client cannot make it buffer
   * without bound.
   */
  static final class Echo extends AgentGatewayGrpc.AgentGatewayImplBase {
    private final int every;

    Echo(int every) {
      this.every = every;
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> responses) {
      ServerCallStreamObserver<CoordinatorMessage> out =
          (ServerCallStreamObserver<CoordinatorMessage>) responses;
      out.disableAutoRequest();
      AtomicBoolean waiting = new AtomicBoolean(true);
      out.setOnReadyHandler(
          () -> {
            if (out.isReady() && waiting.compareAndSet(true, false)) {
              out.request(1);
            }
          });
      return new StreamObserver<>() {
        private long received;

        @Override
        public void onNext(AgentMessage m) {
          if (received++ % every != 0) {
            out.request(1);
            return;
          }
          out.onNext(
              CoordinatorMessage.newBuilder()
                  .setRegistered(
                      Registered.newBuilder()
                          .setSessionId(Long.toString(m.getHeartbeat().getSequence())))
                  .build());
          if (out.isReady()) {
            out.request(1);
          } else {
            waiting.set(true);
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }
}
