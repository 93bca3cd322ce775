package org.entente.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads between two points, from {@code /proc/self/task} so that GC and
 * JIT compiler threads count too, grouped by thread name with numbers masked (Linux keeps the first
 * 15 characters of a name), plus the whole process's. Threads that ended in between are missing
 * from the groups but not from the process total. Linux only; elsewhere only the total is printed.
 * Not thread-safe.
 */
final class CpuByThread {
  private static final Path TASKS = Path.of("/proc/self/task");
  private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final Map<String, Long> start = ticksByThread();
  private final long processStart = processCpuNanos();
  private final long wallStart = System.nanoTime();

  private CpuByThread() {}

  static CpuByThread start() {
    return new CpuByThread();
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Thread id + name -> user + system clock ticks. */
  private static Map<String, Long> ticksByThread() {
    Map<String, Long> out = new HashMap<>();
    if (!Files.isDirectory(TASKS)) {
      return out;
    }
    try (Stream<Path> tasks = Files.list(TASKS)) {
      tasks.forEach(
          t -> {
            try {
              String stat = Files.readString(t.resolve("stat"));
              // pid (comm) state ppid ... : the name may hold spaces, so split after ')'.
              int open = stat.indexOf('(');
              int close = stat.lastIndexOf(')');
              String name = stat.substring(open + 1, close);
              String[] f = stat.substring(close + 2).split(" ");
              long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
              out.put(t.getFileName() + "/" + name, ticks);
            } catch (IOException | RuntimeException e) {
              // the thread ended while we looked
            }
          });
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /**
   * Prints cores used by the process, CPU per unit of work, and the {@code top} busiest thread
   * groups.
   */
  void print(String title, int units, int top) {
    double wall = (System.nanoTime() - wallStart) / 1e9;
    double cpu = (processCpuNanos() - processStart) / 1e9;
    System.out.printf(
        "%n%s: process used %.2f cores over %.1f s, %.2f ms of CPU per job%n",
        title, cpu / wall, wall, 1000 * cpu / units);
    if (top <= 0) {
      return;
    }
    Map<String, Long> groups = new HashMap<>();
    ticksByThread()
        .forEach(
            (k, ticks) -> {
              String name = k.substring(k.indexOf('/') + 1).replaceAll("[0-9]+", "N");
              groups.merge(name, ticks - start.getOrDefault(k, 0L), Long::sum);
            });
    System.out.println("  busiest thread groups (cores; names cut to 15 characters by Linux):");
    groups.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(
            e ->
                System.out.printf(
                    "  %5.2f  %s%n", e.getValue() / TICKS_PER_SECOND / wall, e.getKey()));
  }
}
