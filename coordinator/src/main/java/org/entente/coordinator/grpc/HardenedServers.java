package org.entente.coordinator.grpc;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Applies {@link ServerLimits} to a Netty server builder: message and metadata sizes, concurrent
 * streams, keepalive enforcement, idle and maximum connection age, handshake timeout. Every Entente
 * gRPC server (and the benchmark's baseline) is built through it. Stateless.
 */
public final class HardenedServers {
  private HardenedServers() {}

  public static NettyServerBuilder apply(NettyServerBuilder b, ServerLimits l) {
    return b.maxInboundMessageSize(l.maxInboundMessageBytes())
        .maxInboundMetadataSize(l.maxInboundMetadataBytes())
        .maxConcurrentCallsPerConnection(l.maxConcurrentCallsPerConnection())
        .keepAliveTime(l.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(l.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(l.permitKeepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(true)
        .maxConnectionIdle(l.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionAge(l.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionAgeGrace(l.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS)
        .handshakeTimeout(l.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }
}
