package org.entente.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.entente.agent.shards.ArtifactException;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.agent.shards.ShardRunner;
import org.entente.agent.shards.ShardServices;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardOutput;

/**
 * What the in-process agents' shards spent their time on, recorded by decorators around the
 * product's {@link ShardServices} and {@link ShardRunner}s: each FedAvg exchange (from handing the
 * parameters to the agent's round client to holding the average), each artifact fetch and upload,
 * and each runner call. Times are {@link System#nanoTime} and, for lining up with the coordinators'
 * records, wall-clock milliseconds. Thread-safe.
 */
final class ShardTimings {
  /** One {@link ShardServices#exchange} call of one shard. */
  record Exchange(
      String jobId,
      String node,
      int shard,
      int round,
      long computeMs,
      long startNanos,
      long endNanos,
      long startWallMs,
      long endWallMs,
      RoundResult result) {
    double ms() {
      return (endNanos - startNanos) / 1e6;
    }
  }

  /** One {@link ShardRunner#run} call, entry to return. */
  record Run(String jobId, int shard, String node, long startNanos, long endNanos) {
    double ms() {
      return (endNanos - startNanos) / 1e6;
    }
  }

  /** One {@link ShardServices#fetch} ("fetch") or {@link ShardServices#upload} ("upload") call. */
  record Transfer(String kind, long startNanos, long endNanos) {
    double ms() {
      return (endNanos - startNanos) / 1e6;
    }
  }

  private final ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Transfer> transfers = new ConcurrentLinkedQueue<>();
  private final Map<String, Run> runs = new ConcurrentHashMap<>();

  /**
   * Milliseconds spent in {@code kind} transfers ("fetch", "upload") that began and ended within
   * {@code run}: on any shard, so only meaningful while one shard runs at a time.
   */
  double transferMs(Run run, String kind) {
    return transfers.stream()
        .filter(
            t ->
                t.kind().equals(kind)
                    && t.startNanos() >= run.startNanos()
                    && t.endNanos() <= run.endNanos())
        .mapToDouble(Transfer::ms)
        .sum();
  }

  /** Exchanges of {@code jobId}, in the order they ended. */
  List<Exchange> exchanges(String jobId) {
    return exchanges.stream().filter(e -> e.jobId().equals(jobId)).toList();
  }

  /**
   * Waits until {@code shards} shards of {@code jobId} have returned from their runner, or {@code
   * timeoutMs} passes; without polling, so that a waiting benchmark takes no CPU from the shards.
   *
   * @return whether they all returned
   */
  synchronized boolean awaitRuns(String jobId, int shards, long timeoutMs)
      throws InterruptedException {
    long end = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      long done = runs.keySet().stream().filter(k -> k.startsWith(jobId + "/")).count();
      long left = (end - System.nanoTime()) / 1_000_000;
      if (done >= shards) {
        return true;
      }
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
  }

  private synchronized void ran(Run r) {
    runs.put(r.jobId() + "/" + r.shard(), r);
    notifyAll();
  }

  /** The runner call of shard {@code shard} of {@code jobId} (its last attempt), or null. */
  Run run(String jobId, int shard) {
    return runs.get(jobId + "/" + shard);
  }

  /** {@code services} with each exchange recorded as made by {@code node}. */
  ShardServices wrap(ShardServices services, String node) {
    Objects.requireNonNull(services, "services");
    return new ShardServices() {
      @Override
      public Path fetch(Artifact artifact) throws ArtifactException, InterruptedException {
        long t = System.nanoTime();
        Path p = services.fetch(artifact);
        transfers.add(new Transfer("fetch", t, System.nanoTime()));
        return p;
      }

      @Override
      public Path fetch(String label, Artifact artifact)
          throws ArtifactException, InterruptedException {
        long t = System.nanoTime();
        Path p = services.fetch(label, artifact);
        transfers.add(new Transfer("fetch", t, System.nanoTime()));
        return p;
      }

      @Override
      public Path fetch(String label, Artifact artifact, String jobNation)
          throws ArtifactException, InterruptedException {
        long t = System.nanoTime();
        Path p = services.fetch(label, artifact, jobNation);
        transfers.add(new Transfer("fetch", t, System.nanoTime()));
        return p;
      }

      @Override
      public ShardOutput upload(Path file) throws IOException, InterruptedException {
        long t = System.nanoTime();
        ShardOutput o = services.upload(file);
        transfers.add(new Transfer("upload", t, System.nanoTime()));
        return o;
      }

      @Override
      public RoundResult exchange(RoundUpdate u) throws IOException, InterruptedException {
        long wall = System.currentTimeMillis();
        long t = System.nanoTime();
        RoundResult r = services.exchange(u);
        long end = System.nanoTime();
        exchanges.add(
            new Exchange(
                u.jobId(),
                node,
                u.shard(),
                u.round(),
                u.computeMs(),
                t,
                end,
                wall,
                System.currentTimeMillis(),
                r));
        return r;
      }
    };
  }

  /** {@code runner} with each call recorded. */
  ShardRunner wrap(ShardRunner runner, String node) {
    return (a, context) -> {
      long t = System.nanoTime();
      try {
        return runner.run(a, context);
      } finally {
        ran(new Run(a.getJobId(), a.getShard(), node, t, System.nanoTime()));
      }
    };
  }
}
