package org.entente.coordinator.api;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.entente.proto.v1.ReplicaServiceGrpc;

/**
 * Channels from this replica to its peers, over mTLS with this replica's coordinator certificate,
 * accepting only servers that hold a coordinator identity. One channel per address. Thread-safe.
 */
public final class ReplicaClients implements Closeable {
  private final SslContext tls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  public ReplicaClients(SslContext tls) {
    this.tls = tls;
  }

  /** A stub for the replica at {@code host:port}, with the given deadline. */
  public ReplicaServiceGrpc.ReplicaServiceBlockingStub replica(String address, long deadlineMs) {
    return ReplicaServiceGrpc.newBlockingStub(channel(address))
        .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
  }

  /** An asynchronous stub (for client streams) to the replica at {@code host:port}. */
  public ReplicaServiceGrpc.ReplicaServiceStub replicaAsync(String address, long deadlineMs) {
    return ReplicaServiceGrpc.newStub(channel(address))
        .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
  }

  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(
        address,
        a -> {
          int colon = a.lastIndexOf(':');
          return NettyChannelBuilder.forAddress(
                  a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)))
              .sslContext(tls)
              .maxInboundMessageSize(8 << 20)
              .keepAliveTime(30, java.util.concurrent.TimeUnit.SECONDS)
              .keepAliveTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
              .build();
        });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
