package org.entente.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The one place that turns the verified peer certificate into an {@link Identity}. Every call is
 * checked again against the current trust and clock, not just the handshake: TLS 1.3 session
 * resumption skips the trust manager, and a certificate may have been revoked, expired or lost its
 * nation since the connection was made. A call that fails ends with UNAUTHENTICATED before any
 * service code runs. Thread-safe.
 */
public final class IdentityInterceptor implements ServerInterceptor {
  private final FederationTrust trust;
  private final Clock clock;

  public IdentityInterceptor(FederationTrust trust, Clock clock) {
    this.trust = trust;
    this.clock = clock;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    PeerIdentity peer;
    try {
      peer = peerOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    } catch (IllegalArgumentException | SSLPeerUnverifiedException | PeerRejectedException e) {
      // Revoked, expired, or no longer a member: the same verdict a new handshake would get.
      call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context ctx = Context.current().withValue(PeerIdentity.KEY, peer);
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  private PeerIdentity peerOf(SSLSession session)
      throws SSLPeerUnverifiedException, PeerRejectedException {
    if (session == null) {
      throw new IllegalArgumentException("connection is not TLS; a client certificate is required");
    }
    Certificate[] chain = session.getPeerCertificates();
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      throw new IllegalArgumentException("no client certificate presented");
    }
    X509Certificate[] x509 = new X509Certificate[chain.length];
    for (int i = 0; i < chain.length; i++) {
      x509[i] = (X509Certificate) chain[i];
    }
    Identity identity =
        PeerVerifier.verify(x509, Usage.CLIENT_AUTH, clock.instant(), trust.snapshot());
    return new PeerIdentity(identity, leaf.getSerialNumber());
  }
}
