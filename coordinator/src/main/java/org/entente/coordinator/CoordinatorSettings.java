package org.entente.coordinator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.entente.coordinator.grpc.ServerLimits;
import org.entente.proto.v1.SignedGenesis;
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
 * @param trustBundle the roots this replica's operator trusts; the governed members' roots must
 *     agree with them
 * @param metricsPort Prometheus port (-1 disables, 0 picks a free one)
 * @param artifactDir directory of this replica's artifact store (one replica per directory); null
 *     for a new temporary directory that is deleted on close (tests and the demo)
 * @param genesis the signed genesis to found the federation with when ZooKeeper holds none; null to
 *     join an existing federation
 * @param maxArtifactBytes the largest artifact the store accepts
 * @param zkTls connect to ZooKeeper over TLS with this replica's certificate, and give every znode
 *     written the x509 ACL that lets only coordinators read or write it
 * @param dashboard where the read-only web dashboard is served; null when it is off
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
    ServerLimits limits,
    SchedulingSettings scheduling,
    Path artifactDir,
    long maxArtifactBytes,
    SignedGenesis genesis,
    boolean zkTls,
    org.entente.coordinator.dashboard.DashboardSettings dashboard) {

  /** Default largest artifact: 2 GiB. */
  public static final long DEFAULT_MAX_ARTIFACT_BYTES = 2L << 30;

  public CoordinatorSettings {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(scheduling, "scheduling");
    if (keys.identity().role() != Role.COORDINATOR) {
      throw new IllegalArgumentException(
          "the coordinator certificate must hold the coordinator role, not " + keys.identity());
    }
    if (!zkChroot.startsWith("/") || zkChroot.length() < 2 || zkChroot.endsWith("/")) {
      throw new IllegalArgumentException(
          "zookeeper chroot must look like /entente, got '" + zkChroot + "'");
    }
    within(
        "zookeeper.sessionTimeout",
        zkSessionTimeout,
        Duration.ofMillis(500),
        Duration.ofMinutes(10));
    within(
        "zookeeper.connectTimeout", zkConnectTimeout, Duration.ofMillis(100), Duration.ofHours(1));
    within(
        "membership.heartbeatInterval",
        heartbeatInterval,
        Duration.ofMillis(50),
        Duration.ofMinutes(5));
    within(
        "membership.nodeLostTimeout", nodeLostTimeout, Duration.ofMillis(100), Duration.ofHours(1));
    within(
        "revocation.pollInterval",
        revocationPollInterval,
        Duration.ofMillis(50),
        Duration.ofHours(1));
    within("roster interval", rosterInterval, Duration.ofMillis(50), Duration.ofHours(1));
    within(
        "limits.maxConnectionAge",
        limits.maxConnectionAge(),
        Duration.ofSeconds(1),
        Duration.ofDays(30));
    if (limits.maxInboundMessageBytes() < 1024 || limits.maxInboundMessageBytes() > (64 << 20)) {
      throw new IllegalArgumentException(
          "limits.maxInboundMessageBytes must be between 1024 and 67108864, got "
              + limits.maxInboundMessageBytes());
    }
    if (maxArtifactBytes < 1) {
      throw new IllegalArgumentException(
          "artifacts.maxSize must be positive, got " + maxArtifactBytes);
    }
    if (listenPort < 0 || listenPort > 65535) {
      throw new IllegalArgumentException(
          "listen port must be between 0 and 65535, got " + listenPort);
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException(
          "metrics.port must be -1 (off) or between 0 and 65535, got " + metricsPort);
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

  private static void within(String field, Duration d, Duration min, Duration max) {
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          field
              + " must be between "
              + text(min)
              + " and "
              + text(max)
              + ", got "
              + (d == null ? "nothing" : text(d)));
    }
  }

  private static String text(Duration d) {
    return d.toMillis() < 1000 ? d.toMillis() + "ms" : d.toSeconds() + "s";
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
        ServerLimits.defaults(),
        SchedulingSettings.defaults(),
        null,
        DEFAULT_MAX_ARTIFACT_BYTES,
        null,
        false,
        null);
  }

  /** A copy with another ZooKeeper session timeout. */
  public CoordinatorSettings withSessionTimeout(Duration timeout) {
    return toBuilder().zkSessionTimeout(timeout).build();
  }

  /** A copy with other membership timings. */
  public CoordinatorSettings withTimings(
      Duration heartbeat, Duration lost, Duration revocationPoll) {
    return toBuilder()
        .heartbeatInterval(heartbeat)
        .nodeLostTimeout(lost)
        .revocationPollInterval(revocationPoll)
        .build();
  }

  /** A copy serving metrics on {@code port}. */
  public CoordinatorSettings withMetricsPort(int port) {
    return toBuilder().metricsPort(port).build();
  }

  /** A copy with other server limits. */
  public CoordinatorSettings withLimits(ServerLimits l) {
    return toBuilder().limits(l).build();
  }

  /**
   * A copy that connects to ZooKeeper over TLS with this replica's certificate and writes znodes
   * only coordinators may read or write (x509 ACLs, {@code zk.CoordinatorAuthProvider}).
   */
  public CoordinatorSettings withZkTls(boolean tls) {
    return toBuilder().zkTls(tls).build();
  }

  /** A copy that founds the federation with {@code g} if it has no genesis yet. */
  public CoordinatorSettings withGenesis(SignedGenesis g) {
    return toBuilder().genesis(g).build();
  }

  /** A copy with other scheduling settings. */
  public CoordinatorSettings withScheduling(SchedulingSettings s) {
    return toBuilder().scheduling(s).build();
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes some fields of existing settings; {@link #build} validates the result. */
  public static final class Builder {
    private final CoordinatorSettings from;
    private Duration zkSessionTimeout;
    private Duration heartbeatInterval;
    private Duration nodeLostTimeout;
    private Duration revocationPollInterval;
    private int metricsPort;
    private ServerLimits limits;
    private SchedulingSettings scheduling;
    private Path artifactDir;
    private long maxArtifactBytes;
    private SignedGenesis genesis;
    private boolean zkTls;
    private org.entente.coordinator.dashboard.DashboardSettings dashboard;

    private Builder(CoordinatorSettings from) {
      this.from = from;
      this.zkSessionTimeout = from.zkSessionTimeout;
      this.heartbeatInterval = from.heartbeatInterval;
      this.nodeLostTimeout = from.nodeLostTimeout;
      this.revocationPollInterval = from.revocationPollInterval;
      this.metricsPort = from.metricsPort;
      this.limits = from.limits;
      this.scheduling = from.scheduling;
      this.artifactDir = from.artifactDir;
      this.maxArtifactBytes = from.maxArtifactBytes;
      this.genesis = from.genesis;
      this.zkTls = from.zkTls;
      this.dashboard = from.dashboard;
    }

    /** Where the dashboard is served (null: off). */
    public Builder dashboard(org.entente.coordinator.dashboard.DashboardSettings d) {
      this.dashboard = d;
      return this;
    }

    /** ZooKeeper over TLS with x509 ACLs. */
    public Builder zkTls(boolean tls) {
      this.zkTls = tls;
      return this;
    }

    /** The genesis to found the federation with (null: join an existing one). */
    public Builder genesis(SignedGenesis g) {
      this.genesis = g;
      return this;
    }

    /** The artifact store's directory (null: a temporary one). */
    public Builder artifactDir(Path dir) {
      this.artifactDir = dir;
      return this;
    }

    public Builder maxArtifactBytes(long bytes) {
      this.maxArtifactBytes = bytes;
      return this;
    }

    public Builder scheduling(SchedulingSettings s) {
      this.scheduling = s;
      return this;
    }

    public Builder zkSessionTimeout(Duration d) {
      this.zkSessionTimeout = d;
      return this;
    }

    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval = d;
      return this;
    }

    public Builder nodeLostTimeout(Duration d) {
      this.nodeLostTimeout = d;
      return this;
    }

    public Builder revocationPollInterval(Duration d) {
      this.revocationPollInterval = d;
      return this;
    }

    public Builder metricsPort(int port) {
      this.metricsPort = port;
      return this;
    }

    public Builder limits(ServerLimits l) {
      this.limits = l;
      return this;
    }

    public CoordinatorSettings build() {
      return new CoordinatorSettings(
          from.keys,
          from.trustBundle,
          from.listenHost,
          from.listenPort,
          from.advertiseHost,
          from.zkConnect,
          from.zkChroot,
          zkSessionTimeout,
          from.zkConnectTimeout,
          heartbeatInterval,
          nodeLostTimeout,
          revocationPollInterval,
          from.rosterInterval,
          metricsPort,
          limits,
          scheduling,
          artifactDir,
          maxArtifactBytes,
          genesis,
          zkTls,
          dashboard);
    }
  }
}
