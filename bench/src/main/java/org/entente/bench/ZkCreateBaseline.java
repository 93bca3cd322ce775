package org.entente.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;

/**
 * Raw ZooKeeper write rates from one Curator client, the yardstick for the coordinator's
 * placements: synchronous creates one after the other (what a design writing each job on its own
 * would achieve) and pipelined asynchronous creates with a bounded window (what one client can push
 * at most without batching into transactions). Each call creates under a fresh parent. Not
 * thread-safe.
 */
final class ZkCreateBaseline {
  private final CuratorFramework zk;
  private final byte[] data;
  private int runs;

  ZkCreateBaseline(CuratorFramework zk, int bytes) {
    this.zk = zk;
    this.data = new byte[bytes];
    java.util.Arrays.fill(data, (byte) 'x');
  }

  /** Creates {@code n} znodes synchronously, one after the other; returns creates per second. */
  double sync(int n) throws Exception {
    String parent = parent();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      zk.create().forPath(parent + "/" + i, data);
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /**
   * Creates {@code n} znodes asynchronously with at most {@code window} in flight; returns creates
   * per second.
   */
  double pipelined(int n, int window) throws Exception {
    String parent = parent();
    Semaphore slots = new Semaphore(window);
    CountDownLatch done = new CountDownLatch(n);
    AtomicReference<String> failure = new AtomicReference<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      zk.create()
          .inBackground(
              (c, e) -> {
                if (e.getResultCode() != 0) {
                  failure.compareAndSet(
                      null, e.getPath() + ": " + KeeperException.Code.get(e.getResultCode()));
                }
                slots.release();
                done.countDown();
              })
          .forPath(parent + "/" + i, data);
    }
    if (!done.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("pipelined creates did not finish in 5 min");
    }
    double rate = n / ((System.nanoTime() - t0) / 1e9);
    if (failure.get() != null) {
      throw new IllegalStateException("pipelined create failed: " + failure.get());
    }
    return rate;
  }

  /**
   * Creates {@code n} znodes in synchronous transactions ({@code multi}) of {@code perTransaction}
   * creates each, one transaction after the other; returns creates per second.
   */
  double batched(int n, int perTransaction) throws Exception {
    String parent = parent();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i += perTransaction) {
      List<CuratorOp> ops = new ArrayList<>(perTransaction);
      for (int j = i; j < Math.min(n, i + perTransaction); j++) {
        ops.add(zk.transactionOp().create().forPath(parent + "/" + j, data));
      }
      zk.transaction().forOperations(ops);
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /**
   * Starts timing one synchronous create every {@code everyMillis} on a thread of its own, to see
   * how ZooKeeper's own write latency fares while something else loads it; stop with {@link
   * Probe#stop}.
   */
  Probe probe(int everyMillis) throws Exception {
    String parent = parent();
    Probe p = new Probe();
    p.thread =
        new Thread(
            () -> {
              for (int i = 0; p.running; i++) {
                long t0 = System.nanoTime();
                try {
                  zk.create().forPath(parent + "/" + i, data);
                } catch (Exception e) {
                  return;
                }
                p.millis.add((System.nanoTime() - t0) / 1e6);
                java.util.concurrent.locks.LockSupport.parkNanos(everyMillis * 1_000_000L);
              }
            },
            "bench-zk-probe");
    p.thread.setDaemon(true);
    p.thread.start();
    return p;
  }

  /** Latencies of the probe's creates, in milliseconds. */
  static final class Probe {
    private final List<Double> millis = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private Thread thread;

    double[] stop() throws InterruptedException {
      running = false;
      thread.join();
      return millis.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  private String parent() throws Exception {
    String p = "/run-" + (++runs);
    zk.create().creatingParentsIfNeeded().forPath(p);
    return p;
  }
}
