package org.entente.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
  private EchoServer() {}

  public static void main(String[] args) throws Exception {
    KeyMaterial keys = KeyMaterial.load(Path.of(args[0]), Path.of(args[1]));
    List<java.security.cert.X509Certificate> roots = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      roots.addAll(Pem.readCertificates(Path.of(args[i])));
    }
    FederationTrust trust = new FederationTrust(TrustBundle.of(roots));
    Server server =
        HardenedServers.apply(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                ServerLimits.defaults())
            .sslContext(TlsContexts.server(keys, trust, Clock.systemUTC()))
            .intercept(new IdentityInterceptor(trust, Clock.systemUTC()))
            .addService(new Echo())
            .build()
            .start();
    System.out.println("echo serving at 127.0.0.1:" + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  /** Answers every message with one message of similar size. */
  static final class Echo extends AgentGatewayGrpc.AgentGatewayImplBase {
    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(AgentMessage m) {
          out.onNext(
              CoordinatorMessage.newBuilder()
                  .setRegistered(
                      Registered.newBuilder()
                          .setSessionId(Long.toString(m.getHeartbeat().getSequence())))
                  .build());
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
