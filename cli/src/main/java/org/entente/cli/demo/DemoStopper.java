package org.entente.cli.demo;

import java.io.Closeable;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops the demo from a JVM shutdown hook, so Ctrl-C (SIGINT) and SIGTERM stop it alike. The hook
 * is in place before anything starts, so a signal during start-up stops what is up so far (what
 * starts after it is stopped with the JVM); once it runs, the demo's own output is muted, so the
 * last lines are "Stopping the federation..." and "Stopped." (libtorch's native warnings, printed
 * to standard error by C++ code, are beyond it). The JVM then exits, as every JVM stopped by a
 * signal does, with 128 plus the signal's number: 130 for SIGINT, 143 for SIGTERM. Closing is
 * bounded by {@link #CLOSE_TIMEOUT}: a part that hangs cannot keep the process alive. Thread-safe.
 */
final class DemoStopper {
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final PrintWriter console;
  private final Runnable muteLogs;
  private final AtomicBoolean muted = new AtomicBoolean();
  private final PrintWriter demoOut;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final List<Closeable> running = new ArrayList<>(); // guarded by this
  private boolean stopping; // guarded by this

  /**
   * @param console where the demo writes; the stop's own lines go there too
   * @param muteLogs run as the stop begins (the parts' warnings while they close are expected)
   */
  DemoStopper(PrintWriter console, Runnable muteLogs) {
    this.console = console;
    this.muteLogs = muteLogs;
    this.demoOut =
        new PrintWriter(
            new FilterWriter(console) {
              @Override
              public void write(int c) throws IOException {
                if (!muted.get()) {
                  super.write(c);
                }
              }

              @Override
              public void write(char[] buf, int off, int len) throws IOException {
                if (!muted.get()) {
                  super.write(buf, off, len);
                }
              }

              @Override
              public void write(String str, int off, int len) throws IOException {
                if (!muted.get()) {
                  super.write(str, off, len);
                }
              }
            });
  }

  /** The demo's output: the console until the stop begins, nothing after. */
  PrintWriter demoOut() {
    return demoOut;
  }

  /**
   * Records a part that started, to be closed on stop (parts close in reverse order). Returns
   * false, having closed it, when the stop has begun already.
   */
  boolean started(Closeable part) {
    synchronized (this) {
      if (!stopping) {
        running.add(part);
        return true;
      }
    }
    closeQuietly(part);
    return false;
  }

  synchronized boolean isStopping() {
    return stopping;
  }

  /** The shutdown hook. */
  void stop() {
    synchronized (this) {
      stopping = true;
    }
    demoOut.flush();
    muted.set(true);
    muteLogs.run();
    console.println();
    console.println("Stopping the federation...");
    console.flush();
    Thread closer = new Thread(this::closeAll, "entente-demo-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    console.println(
        closer.isAlive()
            ? "Not stopped after " + CLOSE_TIMEOUT.toSeconds() + " s; exiting anyway."
            : "Stopped.");
    console.flush();
    stopped.countDown();
  }

  /** Closes every part started so far, the last started first. */
  void closeAll() {
    List<Closeable> parts;
    synchronized (this) {
      parts = new ArrayList<>(running);
      running.clear();
    }
    Collections.reverse(parts);
    parts.forEach(DemoStopper::closeQuietly);
  }

  /** Blocks until the hook has run (the JVM exits then: this returns only to a signal). */
  void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  private static void closeQuietly(Closeable part) {
    try {
      part.close();
    } catch (Exception e) {
      // shutting down anyway
    }
  }
}
