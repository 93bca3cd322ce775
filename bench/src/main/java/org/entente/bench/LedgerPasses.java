package org.entente.bench;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.logstore.LedgerWriter;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.entente.security.TrustBundle;

/**
 * Durable dual-signed appends as the leader makes them, against ZooKeeper: each run is a fresh log
 * under its own namespace with its own fence ({@link EpochStore#advance} on a latch node the run
 * creates). Per receipt, a pool thread does what a gRPC thread does ({@link
 * ReceiptCheck#verifySignature}; in {@link Mode#END_TO_END} it first signs as the agent would); the
 * calling thread, as the leader's loop, takes receipts in order, appends each as {@code
 * LedgerDuties.close} does, and per pass of {@code batch} receipts seals ({@link
 * LedgerWriter#seal}) and commits the op groups in fenced transactions bounded as {@code
 * WriteBatch} bounds them. A receipt counts once the last transaction of its pass returned.
 * Afterwards the stored log is read back and checked by {@link LogVerifier}. Not thread-safe.
 */
final class LedgerPasses {
  /** What is done inside the timed window. */
  enum Mode {
    /** Receipts signed and verified beforehand: append, seal and commit only. */
    COMMIT_ONLY,
    /** Receipts signed beforehand (by the agents): verify, append, seal, commit. */
    LEADER,
    /** Agent signing too, on the same cores: sign, verify, append, seal, commit. */
    END_TO_END
  }

  /** One run's figures. */
  record Result(
      Mode mode,
      int batch,
      int receipts,
      double seconds,
      double cpuSeconds,
      int transactions,
      long bytes,
      double passP50Ms,
      double passMaxMs,
      double commitP50Ms) {
    double rate() {
      return receipts / seconds;
    }
  }

  // WriteBatch's bounds (package-private there): a transaction of at most 400 ops and 512 KiB.
  private static final int MAX_OPS = 400;
  private static final int MAX_BYTES = 512 * 1024;

  private final CuratorFramework zk;
  private final KeyMaterial leaderKeys;
  private final FederationTrust.Snapshot trust;
  private final TrustBundle bundle;
  private final ExecutorService pool;
  private final Clock clock;
  private int runs;

  LedgerPasses(
      CuratorFramework zk,
      KeyMaterial leaderKeys,
      FederationTrust.Snapshot trust,
      TrustBundle bundle,
      ExecutorService pool,
      Clock clock) {
    this.zk = zk;
    this.leaderKeys = leaderKeys;
    this.trust = trust;
    this.bundle = bundle;
    this.pool = pool;
    this.clock = clock;
  }

  Result run(Mode mode, List<ReceiptFleet.Attempt> attempts, int batch) throws Exception {
    CuratorFramework ns = zk.usingNamespace("ledger-run-" + (++runs));
    ns.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath("/latch");
    EpochStore epochs = new EpochStore(ns);
    Fence fence = epochs.advance("/latch");
    LedgerStore store = new LedgerStore(ns);
    LedgerWriter writer = LedgerWriter.load(store, leaderKeys);
    int n = attempts.size();
    List<SignedReceipt> signed =
        mode == Mode.END_TO_END ? null : all(n, i -> attempts.get(i).sign());
    List<ReceiptCheck.Signed> verified =
        mode == Mode.COMMIT_ONLY
            ? all(n, i -> ReceiptCheck.verifySignature(signed.get(i), clock.millis(), trust))
            : null;

    int window = Math.max(2 * batch, 2048);
    ArrayDeque<Future<ReceiptCheck.Signed>> inflight = new ArrayDeque<>();
    double[] passMs = new double[(n + batch - 1) / batch];
    double[] commitMs = new double[passMs.length];
    int submitted = 0;
    int transactions = 0;
    long bytes = 0;
    long cpu0 = CpuByThread.processCpuNanos();
    long t0 = System.nanoTime();
    for (int start = 0, pass = 0; start < n; start += batch, pass++) {
      int end = Math.min(n, start + batch);
      if (mode != Mode.COMMIT_ONLY) {
        for (; submitted < Math.min(n, end + window); submitted++) {
          ReceiptFleet.Attempt a = attempts.get(submitted);
          SignedReceipt s = mode == Mode.LEADER ? signed.get(submitted) : null;
          inflight.add(
              pool.submit(
                  () ->
                      ReceiptCheck.verifySignature(
                          s != null ? s : a.sign(), clock.millis(), trust)));
        }
      }
      long p0 = System.nanoTime();
      long now = clock.millis();
      for (int i = start; i < end; i++) {
        ReceiptCheck.Signed s = verified != null ? verified.get(i) : inflight.poll().get();
        ReceiptAppends.close(writer.book(), attempts.get(i), s, now, fence.epoch());
      }
      long c0 = System.nanoTime();
      List<LedgerWriter.OpGroup> groups = writer.seal(fence.epoch(), now);
      List<CuratorOp> ops = new ArrayList<>();
      int txBytes = 0;
      for (LedgerWriter.OpGroup g : groups) {
        if (!ops.isEmpty()
            && (ops.size() + g.ops().size() > MAX_OPS || txBytes + g.bytes() > MAX_BYTES)) {
          epochs.commit(fence, ops);
          transactions++;
          ops = new ArrayList<>();
          txBytes = 0;
        }
        ops.addAll(g.ops());
        txBytes += g.bytes();
        bytes += g.bytes();
      }
      if (!ops.isEmpty()) {
        epochs.commit(fence, ops);
        transactions++;
      }
      long p1 = System.nanoTime();
      passMs[pass] = (p1 - p0) / 1e6;
      commitMs[pass] = (p1 - c0) / 1e6;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = (CpuByThread.processCpuNanos() - cpu0) / 1e9;
    check(store, writer, n);
    return new Result(
        mode,
        batch,
        n,
        seconds,
        cpu,
        transactions,
        bytes,
        median(passMs),
        Arrays.stream(passMs).max().orElse(0),
        median(commitMs));
  }

  /** Reads the stored log back: the head must hold every entry and every receipt must count. */
  private void check(LedgerStore store, LedgerWriter writer, int receipts) throws Exception {
    List<byte[]> stored = store.readAll();
    if (stored.size() != writer.book().size()) {
      throw new IllegalStateException(
          "stored " + stored.size() + " entries, the book holds " + writer.book().size());
    }
    LogVerifier v = new LogVerifier(bundle);
    for (int i = 0; i < stored.size(); i++) {
      v.accept(i, stored.get(i));
    }
    v.finish(Runtime.getRuntime().availableProcessors());
    if (!v.problems().isEmpty() || v.receiptsCounted() != receipts) {
      throw new IllegalStateException(
          "stored log counts "
              + v.receiptsCounted()
              + " of "
              + receipts
              + " receipts; problems "
              + v.problems().stream().limit(3).toList());
    }
  }

  /** {@code f(0..n-1)} computed on the pool, in order. */
  <T> List<T> all(int n, java.util.function.IntFunction<T> f) throws Exception {
    List<Callable<T>> tasks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = i;
      tasks.add(() -> f.apply(k));
    }
    List<T> out = new ArrayList<>(n);
    for (Future<T> r : pool.invokeAll(tasks)) {
      out.add(r.get());
    }
    return out;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length == 0 ? 0 : s[s.length / 2];
  }
}
