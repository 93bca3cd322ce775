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
  private HeartbeatBench() {}

  public static void main(String[] args) throws Exception {
    int agents = Args.integer(args, "--agents", 2000);
    int seconds = Args.integer(args, "--seconds", 30);
    int streams = Args.integer(args, "--streams", 64);
    int window = Args.integer(args, "--window", 10);
    Path dir = Files.createTempDirectory("entente-heartbeat");
    try (ProcessFederation f =
        ProcessFederation.start(
            dir, List.of("DE"), 0, Duration.ofSeconds(10), Duration.ofSeconds(1))) {
      ReplicaProcess replica = f.replica("DE");
      System.out.printf(
          "replica pid %d at %s; starting %d agents%n", replica.pid(), replica.address(), agents);
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
      double p50 = f.metric(replica, "entente_heartbeat_processing_seconds{quantile=\"0.5\"}");
      double p99 = f.metric(replica, "entente_heartbeat_processing_seconds{quantile=\"0.99\"}");
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

      List<KeyMaterial> load = new ArrayList<>();
      for (int i = 1; i <= streams; i++) {
        load.add(f.pki().issue(new Identity("DE", Role.NODE, String.format("load-%03d", i))));
      }
      double ours;
      try (StreamLoad l = new StreamLoad(replica.address(), load, f.pki().bundle())) {
        StreamLoad.awaitQuietly(Duration.ofSeconds(2));
        double h0 = f.metric(replica, "entente_heartbeats_total");
        long s0 = System.nanoTime();
        StreamLoad.awaitQuietly(Duration.ofSeconds(window));
        ours =
            (f.metric(replica, "entente_heartbeats_total") - h0) / ((System.nanoTime() - s0) / 1e9);
      }
      double echo = baseline(dir, f, load, window, "echo");
      double sink = baseline(dir, f, load, window, "sink");
      System.out.printf(
          "%nsaturation, %d streams for %d s each:%n"
              + "  coordinator replica            %.0f heartbeats/s%n"
              + "  bare grpc-java echo            %.0f messages/s (one reply per message)%n"
              + "  bare grpc-java sink            %.0f messages/s (reads and discards)%n"
              + "  ratio to echo                  %.3f (target >= 0.8)%n"
              + "  ratio to sink                  %.3f (the cost of Entente's handling)%n",
          streams, window, ours, echo, sink, ours / echo, ours / sink);
    }
  }

  private static double baseline(
      Path dir, ProcessFederation f, List<KeyMaterial> load, int window, String mode)
      throws Exception {
    KeyMaterial keys = f.pki().issue(new Identity("DE", Role.COORDINATOR, mode), "127.0.0.1");
    Path cert = dir.resolve(mode + "-cert.pem");
    Path key = dir.resolve(mode + "-key.pem");
    Path root = dir.resolve(mode + "-root.pem");
    Pem.writePublic(cert, keys.certificate());
    Pem.writePrivateKey(key, keys.privateKey());
    Pem.writePublic(root, f.pki().ca("DE").certificate());
    Path log = dir.resolve(mode + ".log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                EchoServer.class.getName(),
                mode,
                cert.toString(),
                key.toString(),
                root.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      String address = null;
      Pattern serving = Pattern.compile(mode + " serving at ([0-9.]+:[0-9]+)");
      for (int i = 0; i < 600 && address == null; i++) {
        Matcher m = serving.matcher(Files.readString(log));
        if (m.find()) {
          address = m.group(1);
        } else {
          StreamLoad.awaitQuietly(Duration.ofMillis(100));
        }
      }
      if (address == null) {
        throw new IllegalStateException("echo server did not start: " + Files.readString(log));
      }
      try (StreamLoad l = new StreamLoad(address, load, f.pki().bundle())) {
        StreamLoad.awaitQuietly(Duration.ofSeconds(2));
        long r0 = l.replies();
        long s0 = System.nanoTime();
        StreamLoad.awaitQuietly(Duration.ofSeconds(window));
        double perReply = mode.equals("sink") ? EchoServer.SINK_BATCH : 1;
        return (l.replies() - r0) * perReply / ((System.nanoTime() - s0) / 1e9);
      }
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  private static Duration cpu(ReplicaProcess r) {
    return ProcessHandle.of(r.pid())
        .flatMap(h -> h.info().totalCpuDuration())
        .orElseThrow(() -> new IllegalStateException("cannot read the replica's CPU time"));
  }
}
