package org.entente.cli.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A coordinator replica in its own JVM, started the way an operator starts one ({@code entente
 * coordinator --config FILE}), so tests can SIGKILL, SIGSTOP and SIGCONT a real process.
 */
public final class ReplicaProcess implements AutoCloseable {
  private static final Pattern SERVING =
      Pattern.compile(
          "coordinator \\S+ serving at ([0-9.]+:[0-9]+)(?: \\(metrics on :([0-9]+)/metrics\\))?");

  private final String nation;
  private final Path config;
  private final Path log;
  private Process process;
  private String address;
  private int metricsPort;

  /**
   * JVM options of replica processes: {@code -Dentente.replica.jvm="..."} overrides the default,
   * which favours start-up time (C1 only) for tests; benchmarks pass the same options they give
   * their baselines.
   */
  public static final String JVM_OPTIONS_PROPERTY = "entente.replica.jvm";

  static List<String> jvmOptions() {
    String s =
        System.getProperty(
            JVM_OPTIONS_PROPERTY, "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    return List.of(s.trim().split("\\s+"));
  }

  public ReplicaProcess(String nation, Path config, Path log) {
    this.nation = nation;
    this.config = config;
    this.log = log;
  }

  /** Starts the JVM and waits until it says it serves. */
  public ReplicaProcess start(Duration timeout) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions());
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "org.entente.cli.Main",
            "coordinator",
            "--config",
            config.toString()));
    Files.writeString(log, "", StandardCharsets.UTF_8);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    Awaitility.await("replica " + nation + " serving (log " + log + ")")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("replica " + nation + " exited: " + tail());
              }
              Matcher m = SERVING.matcher(Files.readString(log));
              if (m.find()) {
                address = m.group(1);
                metricsPort = m.group(2) == null ? -1 : Integer.parseInt(m.group(2));
                return true;
              }
              return false;
            });
    return this;
  }

  public String nation() {
    return nation;
  }

  public String address() {
    return address;
  }

  public int metricsPort() {
    return metricsPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: the process gets no chance to clean up. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGSTOP: the process freezes, sockets stay open. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String sig) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("kill -" + sig + " " + pid() + " failed");
    }
  }

  /** The replica's output so far. */
  public String output() throws IOException {
    return Files.readString(log);
  }

  private String tail() {
    try {
      String s = Files.readString(log);
      return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      // A paused process ignores SIGTERM until continued; SIGKILL always works.
      process.destroyForcibly();
      process.waitFor();
    }
  }
}
