package org.entente.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.entente.agent.NodeAgent;
import org.entente.cli.process.ProcessFederation;
import org.entente.cli.process.ReplicaProcess;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.Pem;
import org.entente.security.Role;

/**
 * Heartbeat capacity of one coordinator replica (its own JVM) against many agents (real mTLS
 * streams, each with its own certificate, from this JVM):
 *
 * <ol>
 *   <li>steady state: N agents heartbeating every second; the replica's CPU use, heartbeats per
 *       second, and heartbeat processing p50/p99 (from its Prometheus summary);
 *   <li>saturation: S streams sending heartbeats as fast as flow control allows, against the
 *       replica and then against a bare grpc-java echo and sink ({@link EchoServer}) with the same
 *       TLS setup, interceptor and limits; their throughput ratio (target >= 0.8).
 * </ol>
 *
 * Usage: {@code bench/run HeartbeatBench [--agents 2000] [--seconds 30] [--streams 64] [--window
 * 10]}.
 */
public final class HeartbeatBench {
  private static final List<String> SERVER_JVM = List.of("-Xmx512m", "-XX:+UseSerialGC");

  private HeartbeatBench() {}

  public static void main(String[] args) throws Exception {
    int agents = Args.integer(args, "--agents", 2000);
    int seconds = Args.integer(args, "--seconds", 30);
    int streams = Args.integer(args, "--streams", 64);
    int window = Args.integer(args, "--window", 10);
    int rounds = Args.integer(args, "--rounds", 5);
    Path dir = Files.createTempDirectory("entente-heartbeat");
    // The replica and both baselines run with the same JVM options.
    System.setProperty(ReplicaProcess.JVM_OPTIONS_PROPERTY, String.join(" ", SERVER_JVM));
    try (ProcessFederation f =
        ProcessFederation.start(
            dir, List.of("DE"), 0, Duration.ofSeconds(10), Duration.ofSeconds(1))) {
      ReplicaProcess replica = f.replica("DE");
      System.out.printf(
          "replica pid %d at %s; starting %d agents%n", replica.pid(), replica.address(), agents);
      if (agents > 0) {
        steadyState(f, replica, agents, seconds);
      }
      saturation(dir, f, replica, streams, window, rounds);
    }
  }

  private static void steadyState(
      ProcessFederation f, ReplicaProcess replica, int agents, int seconds) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 1; i <= agents; i++) {
      f.startAgent(new Identity("DE", Role.NODE, String.format("sim-%05d", i)), f.addresses());
      if (i % 500 == 0) {
        System.out.printf("  %d agents started%n", i);
      }
    }
    while (f.presence().size() < agents) {
      if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) {
        throw new IllegalStateException(
            "only " + f.presence().size() + " agents registered in 5 min");
      }
      StreamLoad.awaitQuietly(Duration.ofMillis(500));
    }
    System.out.printf("%d agents registered in %.1f s%n", agents, (System.nanoTime() - t0) / 1e9);
    StreamLoad.awaitQuietly(Duration.ofSeconds(5));

    double hb0 = f.metric(replica, "entente_heartbeats_total");
    Duration cpu0 = cpu(replica);
    long w0 = System.nanoTime();
    StreamLoad.awaitQuietly(Duration.ofSeconds(seconds));
    double hb1 = f.metric(replica, "entente_heartbeats_total");
    Duration cpu1 = cpu(replica);
    double wall = (System.nanoTime() - w0) / 1e9;
    String exposition = f.metrics(replica);
    double p50 =
        HistogramQuantile.estimate(exposition, "entente_heartbeat_processing_seconds", 0.5);
    double p99 =
        HistogramQuantile.estimate(exposition, "entente_heartbeat_processing_seconds", 0.99);
    double lost = f.metric(replica, "entente_nodes_lost_total");
    System.out.printf(
        "%nsteady state, %d agents at 1 Hz for %.0f s:%n"
            + "  heartbeats processed  %.0f /s (expected %d /s)%n"
            + "  replica CPU           %.3f cores (%.1f%% of one core)%n"
            + "  processing p50 / p99  %.1f us / %.1f us%n"
            + "  nodes marked LOST     %.0f%n",
        agents,
        wall,
        (hb1 - hb0) / wall,
        agents,
        (cpu1.toNanos() - cpu0.toNanos()) / 1e9 / wall,
        100 * (cpu1.toNanos() - cpu0.toNanos()) / 1e9 / wall,
        p50 * 1e6,
        p99 * 1e6,
        lost);
    f.agents().forEach(NodeAgent::close);
  }

  private static void saturation(
      Path dir, ProcessFederation f, ReplicaProcess replica, int streams, int window, int rounds)
      throws Exception {
    List<KeyMaterial> load = new ArrayList<>();
    for (int i = 1; i <= streams; i++) {
      load.add(f.pki().issue(new Identity("DE", Role.NODE, String.format("load-%03d", i))));
    }
    // Interleaved rounds, medians reported: the machine's noise hits all three alike.
    try (Baseline echo = Baseline.start(dir, f, "echo");
        Baseline sink = Baseline.start(dir, f, "sink")) {
      List<Double> ours = new ArrayList<>();
      List<Double> echoes = new ArrayList<>();
      List<Double> sinks = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        ours.add(replicaThroughput(f, replica, load, window));
        sinks.add(sink.throughput(f, load, window));
        echoes.add(echo.throughput(f, load, window));
        System.out.printf(
            "  round %d: replica %.0f/s, sink %.0f/s, echo %.0f/s%n",
            round, ours.get(round - 1), sinks.get(round - 1), echoes.get(round - 1));
      }
      double o = median(ours);
      double e = median(echoes);
      double k = median(sinks);
      System.out.printf(
          "%nsaturation, %d streams, %d s windows, median of %d interleaved rounds:%n"
              + "  coordinator replica            %.0f heartbeats/s%n"
              + "  bare grpc-java echo            %.0f messages/s (one reply per message)%n"
              + "  bare grpc-java sink            %.0f messages/s (reads and discards)%n"
              + "  ratio to echo                  %.3f (target >= 0.8)%n"
              + "  ratio to sink                  %.3f (the cost of Entente's handling)%n",
          streams, window, rounds, o, e, k, o / e, o / k);
    }
  }

  private static double replicaThroughput(
      ProcessFederation f, ReplicaProcess replica, List<KeyMaterial> load, int window)
      throws Exception {
    try (StreamLoad l = new StreamLoad(replica.address(), load, f.pki().bundle())) {
      StreamLoad.awaitQuietly(Duration.ofSeconds(2));
      double h0 = f.metric(replica, "entente_heartbeats_total");
      long s0 = System.nanoTime();
      StreamLoad.awaitQuietly(Duration.ofSeconds(window));
      return (f.metric(replica, "entente_heartbeats_total") - h0)
          / ((System.nanoTime() - s0) / 1e9);
    }
  }

  private static double median(List<Double> xs) {
    List<Double> sorted = new ArrayList<>(xs);
    java.util.Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  /** A baseline server ({@link EchoServer}) in its own JVM. */
  private static final class Baseline implements AutoCloseable {
    private final Process process;
    private final String address;
    private final String mode;

    private Baseline(Process process, String address, String mode) {
      this.process = process;
      this.address = address;
      this.mode = mode;
    }

    static Baseline start(Path dir, ProcessFederation f, String mode) throws Exception {
      KeyMaterial keys = f.pki().issue(new Identity("DE", Role.COORDINATOR, mode), "127.0.0.1");
      Path cert = dir.resolve(mode + "-cert.pem");
      Path key = dir.resolve(mode + "-key.pem");
      Path root = dir.resolve(mode + "-root.pem");
      Pem.writePublic(cert, keys.certificate());
      Pem.writePrivateKey(key, keys.privateKey());
      Pem.writePublic(root, f.pki().ca("DE").certificate());
      Path log = dir.resolve(mode + ".log");
      Process p =
          new ProcessBuilder(command(mode, cert, key, root))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Pattern serving = Pattern.compile(mode + " serving at ([0-9.]+:[0-9]+)");
      for (int i = 0; i < 600; i++) {
        Matcher m = serving.matcher(Files.readString(log));
        if (m.find()) {
          return new Baseline(p, m.group(1), mode);
        }
        StreamLoad.awaitQuietly(Duration.ofMillis(100));
      }
      p.destroyForcibly();
      throw new IllegalStateException(mode + " server did not start: " + Files.readString(log));
    }

    private static List<String> command(String mode, Path cert, Path key, Path root) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(SERVER_JVM);
      cmd.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              EchoServer.class.getName(),
              mode,
              cert.toString(),
              key.toString(),
              root.toString()));
      return cmd;
    }

    double throughput(ProcessFederation f, List<KeyMaterial> load, int window) throws Exception {
      try (StreamLoad l = new StreamLoad(address, load, f.pki().bundle())) {
        StreamLoad.awaitQuietly(Duration.ofSeconds(2));
        long r0 = l.replies();
        long s0 = System.nanoTime();
        StreamLoad.awaitQuietly(Duration.ofSeconds(window));
        double perReply = mode.equals("sink") ? EchoServer.SINK_BATCH : 1;
        return (l.replies() - r0) * perReply / ((System.nanoTime() - s0) / 1e9);
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }
  }

  private static Duration cpu(ReplicaProcess r) {
    return ProcessHandle.of(r.pid())
        .flatMap(h -> h.info().totalCpuDuration())
        .orElseThrow(() -> new IllegalStateException("cannot read the replica's CPU time"));
  }
}
