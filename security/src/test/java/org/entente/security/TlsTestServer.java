package org.entente.security;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.entente.proto.v1.FederationServiceGrpc;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;

/**
 * A real gRPC server on a loopback port, with the production TLS context and {@link
 * IdentityInterceptor}, serving a {@code FederationService} whose {@code GetFederation} answers
 * with the caller's verified identity and counts how often service code actually ran. Also opens
 * client channels to it and closes everything in {@link #close} (call it from {@code @AfterEach}).
 *
 * <p>Usage: {@code server = TlsTestServer.start(coordinatorKeys, trust, clock);} then {@code
 * server.getFederation(server.channel(TlsContexts.client(...)))}.
 */
final class TlsTestServer implements AutoCloseable {
  /** Deadline of every call made through {@link #getFederation}. */
  static final long DEADLINE_SECONDS = 5;

  private final Server server;
  private final int port;
  private final CountingService service;
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

  private TlsTestServer(Server server, CountingService service) {
    this.server = server;
    this.port = server.getPort();
    this.service = service;
  }

  /** Starts a server presenting {@code own}, verifying clients against {@code trust}. */
  static TlsTestServer start(KeyMaterial own, FederationTrust trust, Clock clock)
      throws IOException {
    return start(TlsContexts.server(own, trust, clock), trust, clock);
  }

  /** Starts a server with any TLS context, still behind the identity interceptor. */
  static TlsTestServer start(SslContext serverContext, FederationTrust trust, Clock clock)
      throws IOException {
    CountingService service = new CountingService();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(serverContext)
            .intercept(new IdentityInterceptor(trust, clock))
            .addService(service)
            .build()
            .start();
    return new TlsTestServer(server, service);
  }

  int port() {
    return port;
  }

  /** How many calls reached service code. */
  int calls() {
    return service.calls.get();
  }

  /** A new channel (and so, on first use, a new connection) to this server. */
  ManagedChannel channel(SslContext clientContext) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port()).sslContext(clientContext).build();
    channels.add(channel);
    return channel;
  }

  /** Calls {@code GetFederation} with a deadline of {@value #DEADLINE_SECONDS} seconds. */
  static FederationStatus getFederation(ManagedChannel channel) {
    return FederationServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .getFederation(GetFederationRequest.getDefaultInstance());
  }

  /**
   * A client context that presents {@code certificate} whatever the server asks for (see {@link
   * PresentingKeyManager}) and checks the server as production clients do.
   */
  static SslContext presentingClient(
      X509Certificate certificate,
      PrivateKey key,
      FederationTrust trust,
      Clock clock,
      Set<Role> serverRoles) {
    return clientContext(
        SslContextBuilder.forClient()
            .keyManager(new PresentingKeyManager(certificate, key))
            .trustManager(new EntenteTrustManager(trust, clock, serverRoles))
            .protocols("TLSv1.3"));
  }

  /** A client context with no certificate at all, otherwise as production clients. */
  static SslContext anonymousClient(FederationTrust trust, Clock clock, Set<Role> serverRoles) {
    return clientContext(
        SslContextBuilder.forClient()
            .trustManager(new EntenteTrustManager(trust, clock, serverRoles))
            .protocols("TLSv1.3"));
  }

  /** A client context like the production one but offering only {@code protocol}. */
  static SslContext clientWithProtocol(
      KeyMaterial own, FederationTrust trust, Clock clock, Set<Role> serverRoles, String protocol) {
    return clientContext(
        SslContextBuilder.forClient()
            .keyManager(own.privateKey(), own.certificate())
            .trustManager(new EntenteTrustManager(trust, clock, serverRoles))
            .protocols(protocol));
  }

  private static SslContext clientContext(SslContextBuilder builder) {
    try {
      return GrpcSslContexts.configure(builder, SslProvider.JDK).build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Closes every channel opened here, then the server, waiting for each to terminate. */
  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    server.shutdownNow();
    for (ManagedChannel c : channels) {
      if (!c.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("channel did not terminate: " + c);
      }
    }
    if (!server.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException("server did not terminate on port " + port());
    }
  }

  /** Answers with the verified caller and counts calls that got this far. */
  private static final class CountingService
      extends FederationServiceGrpc.FederationServiceImplBase {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public void getFederation(
        GetFederationRequest request, StreamObserver<FederationStatus> responseObserver) {
      calls.incrementAndGet();
      responseObserver.onNext(
          FederationStatus.newBuilder()
              .setAnsweredBy(PeerIdentity.current().identity().toString())
              .build());
      responseObserver.onCompleted();
    }
  }
}
