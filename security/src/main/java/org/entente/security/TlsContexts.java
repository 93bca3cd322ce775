package org.entente.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.time.Clock;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * TLS contexts for gRPC: TLS 1.3 only, client certificates required, trust decided by {@link
 * EntenteTrustManager}. Stateless.
 */
public final class TlsContexts {
  private static final String TLS13 = "TLSv1.3";

  private TlsContexts() {}

  /** A server context presenting {@code own} and requiring a member client certificate. */
  public static SslContext server(KeyMaterial own, FederationTrust trust, Clock clock) {
    try {
      SslContextBuilder b =
          SslContextBuilder.forServer(own.privateKey(), own.certificate())
              .trustManager(new EntenteTrustManager(trust, clock, Set.of()))
              .clientAuth(ClientAuth.REQUIRE)
              .protocols(TLS13);
      return GrpcSslContexts.configure(b, SslProvider.JDK).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build server TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * A client context presenting {@code own} and accepting servers that hold one of {@code
   * serverRoles} (empty: any member identity).
   */
  public static SslContext client(
      KeyMaterial own, FederationTrust trust, Clock clock, Set<Role> serverRoles) {
    try {
      SslContextBuilder b =
          SslContextBuilder.forClient()
              .keyManager(own.privateKey(), own.certificate())
              .trustManager(new EntenteTrustManager(trust, clock, serverRoles))
              .protocols(TLS13);
      return GrpcSslContexts.configure(b, SslProvider.JDK).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build client TLS context: " + e.getMessage(), e);
    }
  }
}
