package org.entente.coordinator.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.entente.security.PeerRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's read-only web dashboard: one page with its script and style (from this package's
 * resources) and {@code GET /api/overview}, the JSON the page draws every two seconds. Only {@code
 * GET} is served; any other method is 405. Plain HTTP on loopback, else HTTPS with client
 * certificates required ({@link DashboardSettings}). Start once, close once. Thread-safe.
 */
public final class DashboardServer implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private record Asset(String contentType, byte[] body) {}

  private final Map<String, Asset> assets;
  private final Supplier<Overview> overview;
  private final DashboardTls tls;
  private final HttpServer server;
  private final ExecutorService executor;

  private DashboardServer(DashboardSettings settings, Supplier<Overview> overview, DashboardTls tls)
      throws IOException {
    this.overview = overview;
    this.tls = tls;
    this.assets =
        Map.of(
            "/", asset("index.html", "text/html; charset=utf-8"),
            "/dashboard.js", asset("dashboard.js", "text/javascript; charset=utf-8"),
            "/dashboard.css", asset("dashboard.css", "text/css; charset=utf-8"));
    InetSocketAddress at = new InetSocketAddress(settings.host(), settings.port());
    try {
      if (tls == null) {
        server = HttpServer.create(at, 16);
      } else {
        HttpsServer https = HttpsServer.create(at, 16);
        https.setHttpsConfigurator(tls.configurator());
        server = https;
      }
    } catch (IOException e) {
      throw new IOException(
          "the dashboard cannot listen on "
              + settings.host()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage());
    }
    executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "entente-dashboard");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * Binds and starts serving {@code overview}; with TLS in {@code settings}, presenting {@code own}
   * and trusting clients as {@code trust} does.
   *
   * @throws IOException when the address cannot be bound
   */
  public static DashboardServer start(
      DashboardSettings settings,
      Supplier<Overview> overview,
      KeyMaterial own,
      FederationTrust trust,
      Clock clock)
      throws IOException {
    DashboardServer s =
        new DashboardServer(
            settings, overview, settings.tls() ? new DashboardTls(own, trust, clock) : null);
    s.server.start();
    log.info("dashboard at {}://{}:{}/", settings.scheme(), settings.host(), s.port());
    return s;
  }

  /** The port bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
      ex.getResponseHeaders().set("Content-Security-Policy", CSP);
      if (!ex.getRequestMethod().equals("GET")) {
        ex.getResponseHeaders().set("Allow", "GET");
        send(ex, 405, "text/plain; charset=utf-8", text("the dashboard is read-only: GET only"));
        return;
      }
      if (tls != null && !authorized((HttpsExchange) ex)) {
        return;
      }
      String path = ex.getRequestURI().getPath();
      Asset a = assets.get(path.equals("/index.html") ? "/" : path);
      if (a != null) {
        send(ex, 200, a.contentType(), a.body());
      } else if (path.equals("/api/overview")) {
        sendOverview(ex);
      } else {
        send(ex, 404, "text/plain; charset=utf-8", text("no such page: " + path));
      }
    }
  }

  private boolean authorized(HttpsExchange ex) throws IOException {
    try {
      tls.authorize(ex.getSSLSession());
      return true;
    } catch (PeerRejectedException | ForbiddenException e) {
      send(ex, 403, "text/plain; charset=utf-8", text(e.getMessage()));
      return false;
    }
  }

  private void sendOverview(HttpExchange ex) throws IOException {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(overview.get());
    } catch (IllegalStateException | JsonProcessingException e) {
      log.warn("dashboard overview failed: {}", e.toString());
      send(
          ex,
          503,
          "application/json",
          JSON.writeValueAsBytes(Map.of("error", "this replica cannot read its views now")));
      return;
    }
    send(ex, 200, "application/json", body);
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] text(String s) {
    return (s + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static Asset asset(String name, String type) {
    try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
      }
      return new Asset(type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
