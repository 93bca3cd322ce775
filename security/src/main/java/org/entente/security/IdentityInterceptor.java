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
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The one place that turns the verified peer certificate into an {@link Identity}: every call
 * without one, or whose certificate was revoked after the connection was made, ends with
 * UNAUTHENTICATED before any service code runs. Thread-safe.
 */
public final class IdentityInterceptor implements ServerInterceptor {
  private final FederationTrust trust;

  public IdentityInterceptor(FederationTrust trust) {
    this.trust = trust;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    PeerIdentity peer;
    try {
      peer = peerOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    } catch (IllegalArgumentException | SSLPeerUnverifiedException e) {
      call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (trust.snapshot().isRevoked(peer.identity().nation(), peer.serial())) {
      call.close(
          Status.UNAUTHENTICATED.withDescription(
              "certificate "
                  + peer.identity()
                  + " is revoked; obtain a new one from your nation CA"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context ctx = Context.current().withValue(PeerIdentity.KEY, peer);
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  private static PeerIdentity peerOf(SSLSession session) throws SSLPeerUnverifiedException {
    if (session == null) {
      throw new IllegalArgumentException("connection is not TLS; a client certificate is required");
    }
    Certificate[] chain = session.getPeerCertificates();
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      throw new IllegalArgumentException("no client certificate presented");
    }
    return new PeerIdentity(IdentityCertificates.identityOf(leaf), leaf.getSerialNumber());
  }
}
