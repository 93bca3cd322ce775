package org.entente.coordinator.grpc;

import java.time.Duration;

/**
 * Hardening limits for every coordinator gRPC server. Control messages are small; large payloads
 * are streamed in chunks, so the inbound limit stays low. Immutable.
 */
public record ServerLimits(
    int maxInboundMessageBytes,
    int maxInboundMetadataBytes,
    int maxConcurrentCallsPerConnection,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration permitKeepAliveTime,
    Duration maxConnectionIdle,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    Duration handshakeTimeout,
    Duration defaultDeadline,
    Duration maxDeadline) {

  /** Defaults suited to a federation of a few thousand nodes. */
  public static ServerLimits defaults() {
    return new ServerLimits(
        1 << 20,
        16 << 10,
        64,
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofSeconds(5),
        Duration.ofMinutes(15),
        Duration.ofHours(1),
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofMinutes(5));
  }

  /** The same limits with a different maximum connection age. */
  public ServerLimits withMaxConnectionAge(Duration age) {
    return new ServerLimits(
        maxInboundMessageBytes,
        maxInboundMetadataBytes,
        maxConcurrentCallsPerConnection,
        keepAliveTime,
        keepAliveTimeout,
        permitKeepAliveTime,
        maxConnectionIdle,
        age,
        maxConnectionAgeGrace,
        handshakeTimeout,
        defaultDeadline,
        maxDeadline);
  }
}
