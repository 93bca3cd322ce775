package org.entente.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.entente.coordinator.grpc.ServerLimits;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.TrustBundle;

/**
 * Everything a coordinator replica needs to start, already loaded and validated (the command line
 * reads it from YAML). Immutable.
 *
 * @param listenHost address to bind the gRPC server to
 * @param listenPort port to bind (0 picks a free one)
 * @param advertiseHost host other processes use to reach this replica
 * @param zkChroot namespace for all federation znodes, for example {@code /entente}
 * @param trustBundle roots used to create the federation if ZooKeeper holds none yet
 * @param metricsPort Prometheus port (-1 disables, 0 picks a free one)
 */
public record CoordinatorSettings(
    KeyMaterial keys,
    TrustBundle trustBundle,
    String listenHost,
    int listenPort,
    String advertiseHost,
    String zkConnect,
    String zkChroot,
    Duration zkSessionTimeout,
    Duration zkConnectTimeout,
    Duration heartbeatInterval,
    Duration nodeLostTimeout,
    Duration revocationPollInterval,
    Duration rosterInterval,
    int metricsPort,
    ServerLimits limits) {

  public CoordinatorSettings {
    Objects.requireNonNull(keys, "keys");
    if (keys.identity().role() != Role.COORDINATOR) {
      throw new IllegalArgumentException(
          "the coordinator certificate must hold the coordinator role, not " + keys.identity());
    }
    if (!zkChroot.startsWith("/") || zkChroot.length() < 2 || zkChroot.endsWith("/")) {
      throw new IllegalArgumentException(
          "zookeeper chroot must look like /entente, got '" + zkChroot + "'");
    }
    if (nodeLostTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "node lost timeout ("
              + nodeLostTimeout
              + ") must be at least twice the heartbeat interval ("
              + heartbeatInterval
              + ")");
    }
  }

  /** Settings with this project's defaults for everything but identity, trust and addresses. */
  public static CoordinatorSettings defaults(
      KeyMaterial keys,
      TrustBundle bundle,
      String host,
      int port,
      String zkConnect,
      String chroot) {
    return new CoordinatorSettings(
        keys,
        bundle,
        host,
        port,
        host,
        zkConnect,
        chroot,
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        -1,
        ServerLimits.defaults());
  }

  /** A copy with another ZooKeeper session timeout. */
  public CoordinatorSettings withSessionTimeout(Duration timeout) {
    return new CoordinatorSettings(
        keys,
        trustBundle,
        listenHost,
        listenPort,
        advertiseHost,
        zkConnect,
        zkChroot,
        timeout,
        zkConnectTimeout,
        heartbeatInterval,
        nodeLostTimeout,
        revocationPollInterval,
        rosterInterval,
        metricsPort,
        limits);
  }

  /** A copy with other membership timings. */
  public CoordinatorSettings withTimings(
      Duration heartbeat, Duration lost, Duration revocationPoll) {
    return new CoordinatorSettings(
        keys,
        trustBundle,
        listenHost,
        listenPort,
        advertiseHost,
        zkConnect,
        zkChroot,
        zkSessionTimeout,
        zkConnectTimeout,
        heartbeat,
        lost,
        revocationPoll,
        rosterInterval,
        metricsPort,
        limits);
  }

  /** A copy serving metrics on {@code port}. */
  public CoordinatorSettings withMetricsPort(int port) {
    return new CoordinatorSettings(
        keys,
        trustBundle,
        listenHost,
        listenPort,
        advertiseHost,
        zkConnect,
        zkChroot,
        zkSessionTimeout,
        zkConnectTimeout,
        heartbeatInterval,
        nodeLostTimeout,
        revocationPollInterval,
        rosterInterval,
        port,
        limits);
  }

  /** A copy with other server limits. */
  public CoordinatorSettings withLimits(ServerLimits l) {
    return new CoordinatorSettings(
        keys,
        trustBundle,
        listenHost,
        listenPort,
        advertiseHost,
        zkConnect,
        zkChroot,
        zkSessionTimeout,
        zkConnectTimeout,
        heartbeatInterval,
        nodeLostTimeout,
        revocationPollInterval,
        rosterInterval,
        metricsPort,
        l);
  }

  public List<String> describe() {
    return List.of(
        "identity " + keys.identity(),
        "listen " + listenHost + ":" + listenPort,
        "zookeeper " + zkConnect + zkChroot + " (session " + zkSessionTimeout.toMillis() + " ms)");
  }
}
