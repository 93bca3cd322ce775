package org.entente.cli.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.grpc.ServerLimits;

/**
 * {@code coordinator.yaml}, as documented in README. Optional blocks fall back to defaults.
 * Immutable.
 */
public record CoordinatorConfig(
    @JsonProperty(value = "identity", required = true) IdentityFiles identity,
    @JsonProperty(value = "trust", required = true) List<String> trust,
    @JsonProperty(value = "listen", required = true) String listen,
    @JsonProperty("advertise") String advertise,
    @JsonProperty(value = "zookeeper", required = true) Zookeeper zookeeper,
    @JsonProperty("membership") Membership membership,
    @JsonProperty("revocation") Revocation revocation,
    @JsonProperty("metrics") Metrics metrics,
    @JsonProperty("limits") Limits limits,
    @JsonProperty("scheduling") SchedulingConfig scheduling,
    @JsonProperty("artifacts") Artifacts artifacts,
    @JsonProperty("governance") Governance governance,
    @JsonProperty("dashboard") Dashboard dashboard) {

  /**
   * {@code dashboard:} block: where the read-only web dashboard listens ({@code host:port}; {@code
   * :port} is loopback) and whether it serves HTTPS with client certificates (default: only when
   * the address is not loopback, where plain HTTP is refused).
   */
  public record Dashboard(
      @JsonProperty(value = "listen", required = true) String listen,
      @JsonProperty("tls") Boolean tls) {}

  /**
   * {@code governance:} block: the signed genesis to found the federation with (the first replica's
   * config only; {@code entente gov genesis} makes it).
   */
  public record Governance(@JsonProperty("genesis") String genesis) {}

  /** {@code zookeeper:} block. */
  public record Zookeeper(
      @JsonProperty(value = "connect", required = true) String connect,
      @JsonProperty("chroot") String chroot,
      @JsonProperty("sessionTimeout") Duration sessionTimeout,
      @JsonProperty("connectTimeout") Duration connectTimeout,
      @JsonProperty("tls") Boolean tls) {}

  /** {@code membership:} block. */
  public record Membership(
      @JsonProperty("heartbeatInterval") Duration heartbeatInterval,
      @JsonProperty("nodeLostTimeout") Duration nodeLostTimeout) {}

  /** {@code revocation:} block. */
  public record Revocation(@JsonProperty("pollInterval") Duration pollInterval) {}

  /** {@code metrics:} block. */
  public record Metrics(@JsonProperty("port") Integer port) {}

  /** {@code limits:} block (gRPC hardening overrides). */
  public record Limits(
      @JsonProperty("maxConnectionAge") Duration maxConnectionAge,
      @JsonProperty("maxInboundMessageBytes") Integer maxInboundMessageBytes) {}

  /**
   * {@code artifacts:} block: where this replica keeps the artifact store (default {@code
   * artifacts} next to the config file) and the largest artifact accepted (default 2Gi).
   */
  public record Artifacts(
      @JsonProperty("dir") String dir, @JsonProperty("maxSize") String maxSize) {}

  /** Reads and validates a coordinator config file. */
  public static CoordinatorSettings load(Path file) {
    CoordinatorConfig c = YamlFiles.read(file, CoordinatorConfig.class);
    return c.toSettings(file.toAbsolutePath().getParent());
  }

  CoordinatorSettings toSettings(Path base) {
    HostPort at = HostPort.parse("listen", listen);
    Duration session = orDefault(zookeeper.sessionTimeout(), Duration.ofSeconds(10));
    Duration heartbeat =
        membership == null
            ? Duration.ofSeconds(1)
            : orDefault(membership.heartbeatInterval(), Duration.ofSeconds(1));
    Duration lost =
        membership == null
            ? Duration.ofSeconds(5)
            : orDefault(membership.nodeLostTimeout(), Duration.ofSeconds(5));
    ServerLimits l = ServerLimits.defaults();
    if (limits != null && limits.maxConnectionAge() != null) {
      l = l.withMaxConnectionAge(limits.maxConnectionAge());
    }
    if (limits != null && limits.maxInboundMessageBytes() != null) {
      int bytes = limits.maxInboundMessageBytes();
      if (bytes < 1) {
        throw new UserException(
            ExitCodes.INVALID,
            "field 'limits.maxInboundMessageBytes': must be positive, got " + bytes);
      }
      l =
          new ServerLimits(
              bytes,
              l.maxInboundMetadataBytes(),
              l.maxConcurrentCallsPerConnection(),
              l.keepAliveTime(),
              l.keepAliveTimeout(),
              l.permitKeepAliveTime(),
              l.maxConnectionIdle(),
              l.maxConnectionAge(),
              l.maxConnectionAgeGrace(),
              l.handshakeTimeout(),
              l.defaultDeadline(),
              l.maxDeadline());
    }
    try {
      return new CoordinatorSettings(
          identity.load(base),
          IdentityFiles.trust(base, trust),
          at.host(),
          at.port(),
          advertise == null ? at.host() : advertise,
          zookeeper.connect(),
          zookeeper.chroot() == null ? "/entente" : zookeeper.chroot(),
          session,
          orDefault(zookeeper.connectTimeout(), Duration.ofSeconds(15)),
          heartbeat,
          lost,
          revocation == null
              ? Duration.ofSeconds(1)
              : orDefault(revocation.pollInterval(), Duration.ofSeconds(1)),
          Duration.ofSeconds(1),
          metrics == null || metrics.port() == null ? -1 : metrics.port(),
          l,
          scheduling == null ? SchedulingSettings.defaults() : scheduling.toSettings(),
          base.resolve(
              artifacts == null || artifacts.dir() == null ? "artifacts" : artifacts.dir()),
          artifactLimit(),
          genesis(base),
          Boolean.TRUE.equals(zookeeper.tls()),
          dashboardSettings());
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "coordinator config: " + e.getMessage());
    }
  }

  private org.entente.coordinator.dashboard.DashboardSettings dashboardSettings() {
    if (dashboard == null) {
      return null;
    }
    String listen = dashboard.listen();
    HostPort at =
        HostPort.parse(
            "dashboard.listen",
            listen != null && listen.startsWith(":") ? "127.0.0.1" + listen : listen);
    try {
      return org.entente.coordinator.dashboard.DashboardSettings.of(
          at.host(), at.port(), dashboard.tls());
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "field 'dashboard.listen': " + e.getMessage());
    }
  }

  private long artifactLimit() {
    if (artifacts == null || artifacts.maxSize() == null) {
      return CoordinatorSettings.DEFAULT_MAX_ARTIFACT_BYTES;
    }
    try {
      return org.entente.cli.job.ByteQuantity.parse(artifacts.maxSize());
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "field 'artifacts.maxSize': " + e.getMessage());
    }
  }

  static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }

  private org.entente.proto.v1.SignedGenesis genesis(Path base) {
    if (governance == null || governance.genesis() == null) {
      return null;
    }
    Path file = base.resolve(governance.genesis());
    try {
      return org.entente.proto.v1.SignedGenesis.parseFrom(java.nio.file.Files.readAllBytes(file));
    } catch (java.io.IOException e) {
      throw new UserException(
          ExitCodes.INVALID,
          "field 'governance.genesis': cannot read a signed genesis from "
              + file
              + ": "
              + e.getMessage());
    }
  }
}
