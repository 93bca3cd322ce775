package org.entente.bench;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.entente.agent.shards.RoundUpdate;
import org.entente.agent.training.RoundClient;
import org.entente.coordinator.grpc.HardenedServers;
import org.entente.coordinator.grpc.ServerLimits;
import org.entente.coordinator.training.RoundUploads;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundResultHeader;
import org.entente.proto.v1.RoundUpload;
import org.entente.proto.v1.TrainingServiceGrpc;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.IdentityInterceptor;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.TlsContexts;

/**
 * The FedAvg benchmark's transport baseline: the agent's own {@link RoundClient} exchanging an
 * update with a bare TrainingService over loopback mTLS (same server limits, TLS contexts, identity
 * interceptor and wire format as a coordinator) that answers every update with its own values at
 * once: one upload and one download of the same bytes, nothing else. In this JVM. Thread-safe.
 */
final class RoundEcho implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final RoundClient client;

  RoundEcho() throws java.io.IOException {
    Clock clock = Clock.systemUTC();
    LocalPki pki = LocalPki.create(clock, "DE");
    FederationTrust trust = new FederationTrust(pki.bundle());
    server =
        HardenedServers.apply(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                ServerLimits.defaults())
            .sslContext(
                TlsContexts.server(
                    pki.issue(new Identity("DE", Role.COORDINATOR, "echo"), "127.0.0.1"),
                    trust,
                    clock))
            .intercept(new IdentityInterceptor(trust, clock))
            .addService(new Echo())
            .build()
            .start();
    // Built as the agent builds its channel to a replica.
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .sslContext(
                TlsContexts.client(
                    pki.issue(new Identity("DE", Role.NODE, "echo-client")),
                    trust,
                    clock,
                    Set.of(Role.COORDINATOR)))
            .maxInboundMessageSize(1 << 20)
            .build();
    client = new RoundClient(() -> channel, Duration.ofSeconds(10));
  }

  /** One exchange of {@code update}; milliseconds. */
  double exchange(RoundUpdate update) throws Exception {
    long t = System.nanoTime();
    float[] back = client.exchange(update).values();
    double ms = (System.nanoTime() - t) / 1e6;
    if (back.length != update.values().length) {
      throw new IllegalStateException("echo returned " + back.length + " values");
    }
    return ms;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static final class Echo extends TrainingServiceGrpc.TrainingServiceImplBase {
    @Override
    public StreamObserver<RoundUpload> exchangeRound(StreamObserver<RoundDownload> out) {
      return RoundUploads.collector(
          h -> {},
          (h, values) ->
              RoundUploads.answer(
                  out,
                  RoundResultHeader.newBuilder()
                      .setRound(h.getRound())
                      .setIncluded(true)
                      .setContributors(1)
                      .setExamples(h.getExamples())
                      .setValueCount(values.length)
                      .build(),
                  values),
          e -> out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException()));
    }
  }
}
