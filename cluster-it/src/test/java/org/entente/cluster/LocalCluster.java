package org.entente.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.entente.cli.client.FederationClient;
import org.entente.cli.client.IdentityDir;

/**
 * Drives {@code deploy/local-cluster}: three nations in network namespaces, every process a JVM of
 * the built distribution. The suite reaches the nations over the bridge from this process.
 */
final class LocalCluster implements AutoCloseable {
  static final List<String> NATIONS = List.of("DE", "FR", "JP");
  static final int COORDINATOR_PORT = 7443;
  static final int METRICS_PORT = 9400;

  /** A finished command: exit code and what it printed (stdout and stderr together). */
  record Run(int exitCode, String output) {}

  private final Path repo;
  private final Path dir;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  LocalCluster(Path repo, Path dir) {
    this.repo = repo;
    this.dir = dir;
    this.log = dir.resolveSibling(dir.getFileName() + "-scripts.log");
  }

  static String address(String nation) {
    return "10.77.0." + (NATIONS.indexOf(nation) + 1);
  }

  static List<String> coordinators() {
    return NATIONS.stream().map(n -> address(n) + ":" + COORDINATOR_PORT).toList();
  }

  Path dir() {
    return dir;
  }

  void up() throws IOException, InterruptedException {
    script(Duration.ofMinutes(8), "up");
  }

  /** Runs {@code deploy/local-cluster/chaos args...}; fails the test if the fault was refused. */
  void chaos(String... args) throws IOException, InterruptedException {
    List<String> a = new ArrayList<>(List.of("chaos"));
    a.addAll(List.of(args));
    script(Duration.ofSeconds(30), a.toArray(String[]::new));
  }

  String zooKeeperLeader() throws IOException, InterruptedException {
    return run(Duration.ofSeconds(30), null, command("chaos", "zk-leader")).output().trim();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    script(Duration.ofMinutes(2), "down");
  }

  /** A client with {@code nation}'s operator (or auditor, {@code role} "audit") identity. */
  FederationClient client(String nation, String role) {
    IdentityDir id = IdentityDir.load(identity(nation, role));
    return new FederationClient(id.keys(), id.trust(), coordinators(), 10_000);
  }

  Path identity(String nation, String role) {
    return dir.resolve(nation.toLowerCase(Locale.ROOT)).resolve(role);
  }

  /**
   * Runs the distribution's {@code entente} as {@code nation}'s {@code role}, against one replica.
   */
  Run entente(String nation, String role, String replica, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(distribution().resolve("bin/entente").toString()));
    cmd.addAll(List.of(args));
    return run(
        Duration.ofMinutes(3),
        Map.of(
            "ENTENTE_IDENTITY",
            identity(nation, role).toString(),
            "ENTENTE_COORDINATORS",
            address(replica) + ":" + COORDINATOR_PORT),
        cmd);
  }

  Path distribution() throws IOException {
    try (var s = Files.list(repo.resolve("dist/target"))) {
      return s.filter(p -> p.getFileName().toString().startsWith("entente-"))
          .filter(Files::isDirectory)
          .findFirst()
          .orElseThrow(() -> new IOException("no distribution under dist/target"));
    }
  }

  /** {@code nation}'s replica's /metrics value of an unlabelled series ({@code NaN} if none). */
  double metric(String nation, String name) {
    try {
      String body =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://" + address(nation) + ":" + METRICS_PORT + "/metrics"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : body.split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Double.NaN;
  }

  /** The nations whose replica reports that it leads now. */
  List<String> leaders() {
    return NATIONS.stream().filter(n -> metric(n, "entente_leader") == 1.0).toList();
  }

  private List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(repo.resolve("deploy/local-cluster").resolve(args[0]).toString());
    cmd.addAll(List.of(args).subList(1, args.length));
    return cmd;
  }

  private void script(Duration limit, String... args) throws IOException, InterruptedException {
    Run r = run(limit, null, command(args));
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "deploy/local-cluster/"
              + String.join(" ", args)
              + " exited "
              + r.exitCode()
              + ":\n"
              + r.output());
    }
  }

  private Run run(Duration limit, Map<String, String> env, List<String> cmd)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ENTENTE_CLUSTER_DIR", dir.toString());
    pb.environment().put("ENTENTE_HOME", distribution().toString());
    if (env != null) {
      pb.environment().putAll(env);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " ran past " + limit);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    Files.writeString(
        log,
        "$ " + String.join(" ", cmd) + "\n" + text,
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    return new Run(p.exitValue(), text);
  }
}
