package org.entente.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code entente demo} in its own JVM, stopped with SIGTERM ({@link Process#destroy()} on Linux) as
 * a service manager, a container runtime or {@code kill} stops it. It must close the federation and
 * exit promptly with 143 (128 + SIGTERM: the status of every JVM stopped by a signal, which systemd
 * and container runtimes read as a stop, not a crash), print nothing after "Stopped.", run no child
 * process, and leave its directory marked as the demo's, so the next run may empty it.
 */
class DemoSignalTest {
  /** The hook's own bound on closing is 30 s; a clean stop takes a few seconds. */
  private static final Duration STOP_DEADLINE = Duration.ofSeconds(45);

  private static final Duration START_DEADLINE = Duration.ofMinutes(4);

  @TempDir Path tmp;

  @Test
  void demo_sigtermOnceReady_stopsCleanlyWithExit143() throws Exception {
    Path dir = tmp.resolve("demo");
    Path log = tmp.resolve("demo.log");
    Process demo = start(dir, log);
    try {
      awaitOutput(demo, log, DemoCommand.READY);
      List<ProcessHandle> children = demo.descendants().toList();

      demo.destroy();

      assertThat(demo.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS))
          .as("exited within %s; output:%n%s", STOP_DEADLINE, Files.readString(log))
          .isTrue();
      assertThat(demo.exitValue()).isEqualTo(143);
      assertStoppedCleanly(Files.readString(log));
      assertThat(children).as("the demo runs everything in its own JVM").isEmpty();
      assertThat(dir.resolve(DemoCommand.MARKER)).exists();
      assertThat(dir.resolve("identities").resolve("de-operator")).isDirectory();
    } finally {
      demo.destroyForcibly().waitFor();
    }
  }

  @Test
  void demo_sigtermWhileJobsRun_stopsWithoutErrorsOrLateOutput() throws Exception {
    Path dir = tmp.resolve("demo");
    Path log = tmp.resolve("demo.log");
    Process demo = start(dir, log);
    try {
      awaitOutput(demo, log, "Submitted j1-1");
      List<ProcessHandle> children = demo.descendants().toList();

      demo.destroy();

      assertThat(demo.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS))
          .as("exited within %s; output:%n%s", STOP_DEADLINE, Files.readString(log))
          .isTrue();
      assertThat(demo.exitValue()).isEqualTo(143);
      String output = Files.readString(log);
      assertStoppedCleanly(output);
      assertThat(output).doesNotContain(DemoCommand.READY);
      assertThat(children).isEmpty();
      assertThat(dir.resolve(DemoCommand.MARKER)).exists();
    } finally {
      demo.destroyForcibly().waitFor();
    }
  }

  /**
   * The last two lines are the hook's, and nothing failed on the way down. Between them only
   * libtorch's native warnings ("[W..."), which C++ code prints straight to standard error, may
   * appear.
   */
  private static void assertStoppedCleanly(String output) {
    List<String> lines = output.strip().lines().toList();
    int stopping = lines.indexOf("Stopping the federation...");
    assertThat(stopping).as("the stop began:%n%s", output).isNotNegative();
    assertThat(lines.subList(stopping + 1, lines.size()))
        .as("after the stop began:%n%s", output)
        .endsWith("Stopped.")
        .filteredOn(l -> !l.equals("Stopped.") && !l.startsWith("[W"))
        .isEmpty();
    assertThat(output)
        .doesNotContain("entente: ")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  private static Process start(Path dir, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dai.djl.offline=true",
            "-cp",
            System.getProperty("java.class.path"),
            "org.entente.cli.Main",
            "demo",
            "--dir",
            dir.toString()));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .start();
  }

  private static void awaitOutput(Process demo, Path log, String line) {
    Awaitility.await("demo prints '" + line + "' (log " + log + ")")
        .atMost(START_DEADLINE)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              String out = Files.exists(log) ? Files.readString(log) : "";
              if (!demo.isAlive()) {
                throw new IllegalStateException(
                    "the demo exited with " + demo.exitValue() + " before that:\n" + out);
              }
              return out.contains(line);
            });
  }
}
