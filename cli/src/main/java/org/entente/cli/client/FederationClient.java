package org.entente.cli.client;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.AbstractStub;
import java.io.Closeable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.entente.proto.v1.FederationServiceGrpc;
import org.entente.proto.v1.GovernanceServiceGrpc;
import org.entente.proto.v1.JobServiceGrpc;
import org.entente.proto.v1.LedgerServiceGrpc;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.entente.security.TrustBundle;

/**
 * Talks to the federation through any of its coordinator replicas, over mTLS. A call that fails
 * with a retryable status moves on to the next replica; others fail at once. Thread-safe.
 */
public final class FederationClient implements Closeable {
  private final List<String> coordinators;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final long deadlineMs;
  private final org.entente.agent.AgentTrust trust;
  private final java.util.Set<Integer> distrusted =
      new java.util.concurrent.ConcurrentSkipListSet<>();
  private volatile boolean trustLoaded;

  public FederationClient(
      KeyMaterial keys, TrustBundle trust, List<String> coordinators, long deadlineMs) {
    if (coordinators.isEmpty()) {
      throw new IllegalArgumentException("no coordinator address given");
    }
    this.coordinators = List.copyOf(coordinators);
    this.deadlineMs = deadlineMs;
    this.trust = new org.entente.agent.AgentTrust(trust, new FederationTrust(trust));
    SslContext tls =
        TlsContexts.client(keys, this.trust.trust(), Clock.systemUTC(), Set.of(Role.COORDINATOR));
    for (String c : coordinators) {
      int colon = c.lastIndexOf(':');
      channels.add(
          NettyChannelBuilder.forAddress(
                  c.substring(0, colon), Integer.parseInt(c.substring(colon + 1)))
              .sslContext(tls)
              .maxInboundMessageSize(16 << 20)
              .build());
    }
  }

  /**
   * Runs {@code call} against each replica in turn until one answers or fails for a reason another
   * replica would share.
   */
  public <T> T call(Function<FederationServiceGrpc.FederationServiceBlockingStub, T> call) {
    return onAnyReplica(FederationServiceGrpc::newBlockingStub, call);
  }

  /** Like {@link #call}, for the job service. */
  public <T> T jobs(Function<JobServiceGrpc.JobServiceBlockingStub, T> call) {
    return onAnyReplica(JobServiceGrpc::newBlockingStub, call);
  }

  /** Like {@link #call}, for the ledger service. */
  public <T> T ledger(Function<LedgerServiceGrpc.LedgerServiceBlockingStub, T> call) {
    return onAnyReplica(LedgerServiceGrpc::newBlockingStub, call);
  }

  /** Like {@link #call}, for the governance service. */
  public <T> T governance(Function<GovernanceServiceGrpc.GovernanceServiceBlockingStub, T> call) {
    return onAnyReplica(GovernanceServiceGrpc::newBlockingStub, call);
  }

  /** Addresses of replicas this client refused because the governed state distrusts them. */
  public List<String> distrusted() {
    return distrusted.stream().map(coordinators::get).toList();
  }

  /** What this client trusts, as it verified it from the first replica that served it. */
  public org.entente.agent.AgentTrust trust() {
    return trust;
  }

  /**
   * Before the first call: asks a replica for the governance chain and revocation lists, verifies
   * them from the configured roots, and refuses every replica whose certificate they distrust (it
   * was revoked, or its nation removed). New handshakes then trust what was verified.
   */
  private void loadTrust() {
    if (trustLoaded) {
      return;
    }
    synchronized (this) {
      if (trustLoaded) {
        return;
      }
      for (int i = 0; i < channels.size(); i++) {
        java.util.concurrent.atomic.AtomicReference<io.grpc.ClientCall<?, ?>> call =
            new java.util.concurrent.atomic.AtomicReference<>();
        io.grpc.ClientInterceptor remember =
            new io.grpc.ClientInterceptor() {
              @Override
              public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(
                  io.grpc.MethodDescriptor<Q, R> m, io.grpc.CallOptions o, Channel next) {
                io.grpc.ClientCall<Q, R> c = next.newCall(m, o);
                call.set(c);
                return c;
              }
            };
        org.entente.proto.v1.TrustUpdate u;
        try {
          u =
              GovernanceServiceGrpc.newBlockingStub(channels.get(i))
                  .withInterceptors(remember)
                  .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                  .getTrust(org.entente.proto.v1.GetTrustRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
          continue; // unreachable or refusing: another replica may serve it
        }
        trust.apply(u);
        trustLoaded = true;
        java.security.cert.X509Certificate peer = peerOf(call.get());
        if (peer != null && !trusted(peer)) {
          distrusted.add(i);
          channels.get(i).shutdownNow();
        }
      }
    }
  }

  private boolean trusted(java.security.cert.X509Certificate peer) {
    try {
      org.entente.security.PeerVerifier.verify(
          new java.security.cert.X509Certificate[] {peer},
          org.entente.security.Usage.SERVER_AUTH,
          java.time.Instant.now(),
          trust.trust().snapshot());
      return true;
    } catch (org.entente.security.PeerRejectedException e) {
      return false;
    }
  }

  private static java.security.cert.X509Certificate peerOf(io.grpc.ClientCall<?, ?> c) {
    javax.net.ssl.SSLSession s =
        c == null ? null : c.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
    try {
      return s == null ? null : (java.security.cert.X509Certificate) s.getPeerCertificates()[0];
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** A call that sets its own deadlines (transfers take as long as their size needs). */
  @FunctionalInterface
  public interface ChannelCall<T> {
    T apply(Channel channel) throws java.io.IOException, InterruptedException;
  }

  /**
   * Like {@link #call}, with the channel itself, for streaming calls: each replica in turn until
   * one answers or fails for a reason another replica would share.
   */
  public <T> T withChannel(ChannelCall<T> call) throws java.io.IOException, InterruptedException {
    loadTrust();
    StatusRuntimeException last = null;
    for (int i = 0; i < channels.size(); i++) {
      if (distrusted.contains(i)) {
        continue;
      }
      ManagedChannel ch = channels.get(i);
      try {
        return call.apply(ch);
      } catch (StatusRuntimeException e) {
        if (!StatusCodes.retryable(e.getStatus().getCode())) {
          throw e;
        }
        last = e;
      }
    }
    throw noReplica(last);
  }

  private StatusRuntimeException noReplica(StatusRuntimeException last) {
    return Status.UNAVAILABLE
        .withDescription(
            "no coordinator answered (tried "
                + String.join(", ", coordinators)
                + "): "
                + (last == null ? "" : last.getStatus().getDescription()))
        .asRuntimeException();
  }

  private <S extends AbstractStub<S>, T> T onAnyReplica(
      Function<Channel, S> stubs, Function<S, T> call) {
    loadTrust();
    StatusRuntimeException last = null;
    for (int i = 0; i < channels.size(); i++) {
      if (distrusted.contains(i)) {
        continue;
      }
      try {
        return call.apply(
            stubs.apply(channels.get(i)).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS));
      } catch (StatusRuntimeException e) {
        if (!StatusCodes.retryable(e.getStatus().getCode())) {
          throw e;
        }
        last = e;
      }
    }
    throw noReplica(last);
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
