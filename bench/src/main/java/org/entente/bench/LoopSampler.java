package org.entente.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the leader's job loop spends its time: samples the stacks of every replica's {@code
 * entente-jobs} thread in this JVM at a fixed interval and, for the one that was busy (the
 * leader's), counts samples by what it was doing: which {@code JobLeader} step, which of our frames
 * it was in, and whether it was blocked on a ZooKeeper reply. Start it, run the load, then {@link
 * #stopAndPrint}. Thread-safe.
 */
final class LoopSampler implements AutoCloseable {
  private static final String IDLE = "idle (waiting for work)";

  private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
  private final long[] ids;
  private final long intervalNanos;
  private final Map<Long, Map<String, Integer>> counts = new HashMap<>();
  private final Thread sampler;
  private volatile boolean running = true;

  private LoopSampler(long[] ids, long intervalMicros) {
    this.ids = ids;
    this.intervalNanos = TimeUnit.MICROSECONDS.toNanos(intervalMicros);
    this.sampler = new Thread(this::loop, "bench-loop-sampler");
    sampler.setDaemon(true);
  }

  /** Samples every {@code intervalMicros} the threads named {@code entente-jobs}. */
  static LoopSampler start(long intervalMicros) {
    List<Long> found = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("entente-jobs")) {
        found.add(t.getId());
      }
    }
    LoopSampler s =
        new LoopSampler(found.stream().mapToLong(Long::longValue).toArray(), intervalMicros);
    s.sampler.start();
    return s;
  }

  private void loop() {
    while (running) {
      for (ThreadInfo info : mx.getThreadInfo(ids, 64)) {
        if (info != null) {
          String what = classify(info.getStackTrace());
          synchronized (counts) {
            counts
                .computeIfAbsent(info.getThreadId(), k -> new HashMap<>())
                .merge(what, 1, Integer::sum);
          }
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(intervalNanos);
    }
  }

  private static String classify(StackTraceElement[] stack) {
    String step = null;
    String ours = null;
    for (StackTraceElement e : stack) {
      String c = e.getClassName();
      if (c.endsWith("DelayedWorkQueue") && e.getMethodName().equals("take")) {
        return IDLE;
      }
      if (ours == null && c.startsWith("org.entente.")) {
        ours = simple(c) + "." + e.getMethodName();
      }
      if (c.equals("org.entente.coordinator.jobs.JobLeader")
          && !e.getMethodName().startsWith("lambda$")) {
        step = "JobLeader." + e.getMethodName(); // outermost wins: the step of the pass
      }
    }
    boolean zk =
        stack.length > 0
            && stack.length > 4
            && java.util.Arrays.stream(stack, 0, Math.min(8, stack.length))
                .anyMatch(
                    e ->
                        e.getClassName().equals("org.apache.zookeeper.ClientCnxn")
                            && e.getMethodName().equals("submitRequest"));
    return (step == null ? "?" : step)
        + " > "
        + (ours == null ? "?" : ours)
        + (zk ? " [waiting on ZooKeeper]" : "");
  }

  private static String simple(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }

  /** Stops sampling and prints the busiest loop thread's profile. */
  void stopAndPrint(String title) {
    close();
    Map<String, Integer> busiest = Map.of();
    int most = -1;
    synchronized (counts) {
      for (Map<String, Integer> c : counts.values()) {
        int busy =
            c.entrySet().stream()
                .filter(e -> !e.getKey().equals(IDLE))
                .mapToInt(Map.Entry::getValue)
                .sum();
        if (busy > most) {
          most = busy;
          busiest = c;
        }
      }
    }
    int total = busiest.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("%n%s: leader's job loop, %d samples%n", title, total);
    busiest.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(12)
        .forEach(
            e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / total, e.getKey()));
  }

  @Override
  public void close() {
    running = false;
    try {
      sampler.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
