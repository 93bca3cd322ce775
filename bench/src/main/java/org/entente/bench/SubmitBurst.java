package org.entente.bench;

import static org.entente.bench.LoopbackFederation.NATIONS;

import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SubmitJobRequest;

/**
 * One burst of single-shard CPU jobs submitted as fast as {@code submitters} threads can, each a
 * fixed (operator nation, replica tried first) pair, so all three nations submit through all the
 * replicas. Times run from the first submit until the last acknowledgement, until the leader's
 * {@code entente_shards_placed_total} has grown by the number of jobs, and until every job's
 * assignment reached its agent. Immutable.
 */
record SubmitBurst(
    double ackSeconds,
    double placeSeconds,
    double assignSeconds,
    int jobs,
    long retried,
    long failed,
    String viaReplica) {
  double ackRate() {
    return jobs / ackSeconds;
  }

  double placeRate() {
    return jobs / placeSeconds;
  }

  double assignRate() {
    return jobs / assignSeconds;
  }

  static SubmitBurst run(
      LoopbackFederation fed, String prefix, int jobs, int submitters, String leader)
      throws Exception {
    return run(fed, prefix, jobs, submitters, leader, Map.of(), true);
  }

  /**
   * Submits {@code jobs} jobs needing {@code labels}; with {@code awaitPlaced} false it returns
   * once all are acknowledged (for a backlog no node can take yet).
   */
  static SubmitBurst run(
      LoopbackFederation fed,
      String prefix,
      int jobs,
      int submitters,
      String leader,
      Map<String, String> labels,
      boolean awaitPlaced)
      throws Exception {
    return run(fed, prefix, jobs, submitters, leader, labels, Map.of("replicas", "1"), awaitPlaced);
  }

  /** As above, with the jobs' {@code parameters}. */
  static SubmitBurst run(
      LoopbackFederation fed,
      String prefix,
      int jobs,
      int submitters,
      String leader,
      Map<String, String> labels,
      Map<String, String> parameters,
      boolean awaitPlaced)
      throws Exception {
    double placed0 = fed.shardsPlaced();
    int assigned0 = fed.assignmentsReceived();
    AtomicInteger next = new AtomicInteger();
    AtomicLong lastAck = new AtomicLong();
    LongAdder acked = new LongAdder();
    LongAdder retried = new LongAdder();
    LongAdder failed = new LongAdder();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Map<String, LongAdder> via = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(submitters);
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < submitters; t++) {
      String operator = NATIONS.get(t % 3);
      String entry = fed.entries().get((t / 3) % fed.entries().size());
      pool.execute(
          () -> {
            var client = fed.client(operator, entry);
            LongAdder mine =
                via.computeIfAbsent(
                    entry + (entry.equals(leader) ? "*" : ""), k -> new LongAdder());
            try {
              go.await();
            } catch (InterruptedException e) {
              return;
            }
            for (int i; (i = next.getAndIncrement()) < jobs; ) {
              SubmitJobRequest req = request(prefix + "-" + i, operator, labels, parameters);
              for (int attempt = 1; ; attempt++) {
                try {
                  client.jobs(s -> s.submitJob(req));
                  acked.increment();
                  mine.increment();
                  lastAck.accumulateAndGet(System.nanoTime(), Math::max);
                  break;
                } catch (StatusRuntimeException e) {
                  firstFailure.compareAndSet(null, e.getStatus().toString());
                  if (attempt == 3) {
                    failed.increment();
                    break;
                  }
                  retried.increment(); // same request id: the leader dedupes
                }
              }
            }
          });
    }
    // Channels connect (TLS handshakes) before the clock starts.
    for (String o : NATIONS) {
      for (String e : fed.entries()) {
        fed.client(o, e);
      }
    }
    long t0 = System.nanoTime();
    go.countDown();
    long placedAt = 0;
    long assignedAt = 0;
    long report = t0;
    long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
    while (placedAt == 0 || assignedAt == 0) {
      long now = System.nanoTime();
      if (!awaitPlaced && acked.sum() + failed.sum() >= jobs) {
        placedAt = now;
        assignedAt = now;
        break;
      }
      if (placedAt == 0 && fed.shardsPlaced() - placed0 >= jobs) {
        placedAt = now;
      }
      if (assignedAt == 0 && fed.assignmentsReceived() - assigned0 >= jobs) {
        assignedAt = now;
      }
      if (now - report > TimeUnit.SECONDS.toNanos(5)) {
        report = now;
        System.out.printf(
            "  %s %4.0f s: %d acknowledged, %.0f placed, %d assigned%n",
            prefix,
            (now - t0) / 1e9,
            acked.sum(),
            fed.shardsPlaced() - placed0,
            fed.assignmentsReceived() - assigned0);
      }
      if (now > deadline || (failed.sum() > 0 && acked.sum() + failed.sum() >= jobs)) {
        throw new IllegalStateException(
            String.format(
                "burst incomplete: %d acknowledged, %d failed (first: %s), %.0f placed",
                acked.sum(), failed.sum(), firstFailure.get(), fed.shardsPlaced() - placed0));
      }
      LockSupport.parkNanos(200_000);
    }
    pool.shutdown();
    pool.awaitTermination(1, TimeUnit.MINUTES);
    if (firstFailure.get() != null) {
      System.out.println("  first submit error (retried): " + firstFailure.get());
    }
    Map<String, Long> split = new TreeMap<>();
    via.forEach((k, v) -> split.put(k, v.sum()));
    return new SubmitBurst(
        (lastAck.get() - t0) / 1e9,
        (placedAt - t0) / 1e9,
        (assignedAt - t0) / 1e9,
        jobs,
        retried.sum(),
        failed.sum(),
        "via " + split + ", * = leader");
  }

  static SubmitJobRequest request(String name, String nation) {
    return request(name, nation, Map.of());
  }

  static SubmitJobRequest request(String name, String nation, Map<String, String> labels) {
    return request(name, nation, labels, Map.of("replicas", "1"));
  }

  /**
   * A single-shard CPU inference job with {@code parameters} ({@code replicas}: how it is verified;
   * the other benches run each shard once).
   */
  static SubmitJobRequest request(
      String name, String nation, Map<String, String> labels, Map<String, String> parameters) {
    return SubmitJobRequest.newBuilder()
        .setSpec(
            JobSpec.newBuilder()
                .setName(name)
                .setKind("inference")
                .setShards(1)
                .setResources(ShardResources.newBuilder().setCpus(1).setGpus(0))
                .setPlacement(PlacementRules.newBuilder().putAllLabels(labels))
                .putAllParameters(parameters))
        .setNation(nation)
        .setRequestId(name)
        .build();
  }
}
