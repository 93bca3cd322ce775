package org.entente.coordinator.dashboard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a replica serves its read-only dashboard. On a loopback address it may serve plain HTTP
 * (only this host reaches it); anywhere else it must serve HTTPS that requires a member's client
 * certificate, so {@code tls} false on another address is refused. Immutable.
 *
 * @param host address to bind
 * @param port port to bind (0 picks a free one)
 * @param tls serve HTTPS with this replica's certificate and require a client certificate that the
 *     federation's trust accepts (an operator's or a coordinator's)
 */
public record DashboardSettings(String host, int port, boolean tls) {
  public DashboardSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "the dashboard needs a host to listen on, as in 127.0.0.1:0");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "the dashboard's port must be between 0 and 65535, got " + port);
    }
    if (!tls && !isLoopback(host)) {
      throw new IllegalArgumentException(
          host
              + ":"
              + port
              + " is not a loopback address, and a dashboard that other hosts can reach must use"
              + " mutual TLS: leave out 'dashboard.tls: false' (TLS is the default there) or"
              + " listen on 127.0.0.1");
    }
  }

  /**
   * Settings for {@code host:port} with TLS as asked, or, when {@code tls} is null, TLS exactly
   * when the address is not loopback.
   */
  public static DashboardSettings of(String host, int port, Boolean tls) {
    return new DashboardSettings(host, port, tls == null ? !isLoopback(host) : tls);
  }

  /** Plain HTTP on 127.0.0.1 (the demo, tests). */
  public static DashboardSettings loopback(int port) {
    return new DashboardSettings("127.0.0.1", port, false);
  }

  /**
   * Whether {@code host} names only this machine: {@code localhost} or a loopback IP literal. A
   * host name is never resolved here, so one that is not {@code localhost} counts as reachable from
   * elsewhere.
   */
  public static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    boolean literal = h.matches("[0-9.]+") || h.contains(":");
    if (!literal) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The URL scheme the dashboard serves. */
  public String scheme() {
    return tls ? "https" : "http";
  }
}
