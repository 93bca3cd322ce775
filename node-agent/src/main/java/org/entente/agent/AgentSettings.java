package org.entente.agent;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.TrustBundle;

/**
 * What a node agent needs to join: its node certificate, the member roots, and the coordinator
 * replicas to try in order; and the port of its Prometheus {@code /metrics} ({@code metricsPort}:
 * -1 off, 0 any free port). Immutable.
 */
public record AgentSettings(
    KeyMaterial keys,
    TrustBundle trust,
    List<String> coordinators,
    Backoff backoff,
    Duration keepAlive,
    int metricsPort) {
  public AgentSettings {
    Objects.requireNonNull(keys, "keys");
    if (keys.identity().role() != Role.NODE) {
      throw new IllegalArgumentException(
          "an agent needs a node certificate, not " + keys.identity());
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException(
          "metrics.port must be -1 (off) or between 0 and 65535, got " + metricsPort);
    }
    coordinators = List.copyOf(coordinators);
    if (coordinators.isEmpty()) {
      throw new IllegalArgumentException("an agent needs at least one coordinator address");
    }
    for (String c : coordinators) {
      int colon = c.lastIndexOf(':');
      if (colon <= 0 || !c.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new IllegalArgumentException(
            "coordinator address '" + c + "' must look like host:port");
      }
    }
  }

  /** Settings without metrics. */
  public AgentSettings(
      KeyMaterial keys,
      TrustBundle trust,
      List<String> coordinators,
      Backoff backoff,
      Duration keepAlive) {
    this(keys, trust, coordinators, backoff, keepAlive, -1);
  }

  /** The same settings serving {@code /metrics} on {@code port} (-1: off). */
  public AgentSettings withMetricsPort(int port) {
    return new AgentSettings(keys, trust, coordinators, backoff, keepAlive, port);
  }

  /** Defaults: backoff 200 ms to 5 s, keepalive every 10 s. */
  public static AgentSettings of(KeyMaterial keys, TrustBundle trust, List<String> coordinators) {
    return new AgentSettings(
        keys,
        trust,
        coordinators,
        new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5)),
        Duration.ofSeconds(10));
  }
}
