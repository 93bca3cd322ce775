package org.entente.coordinator.jobs;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.zk.DecodedRecords;
import org.entente.coordinator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every replica's cached view of {@code /jobs}: it answers reads and tells the dispatcher when a
 * shard changes. It may lag the leader by a moment; decisions are made from the leader's own table,
 * never from here. Thread-safe.
 */
public final class JobView implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(JobView.class);

  /** A shard changed: {@code before} is null when created, {@code after} null when deleted. */
  public interface ShardListener {
    void changed(String jobId, ShardRecord before, ShardRecord after);
  }

  /** A job with its shards as cached. */
  public record Job(JobRecord record, List<ShardRecord> shards) {}

  private final CuratorCache cache;
  private final JobStore store;
  private final DecodedRecords<JobRecord> jobRecords = new DecodedRecords<>(JobRecord.class);
  private final DecodedRecords<ShardRecord> shardRecords = new DecodedRecords<>(ShardRecord.class);

  public JobView(CuratorFramework zk) {
    this.cache = CuratorCache.build(zk, ZkPaths.JOBS);
    this.store = new JobStore(zk);
  }

  public void start() {
    cache.start();
  }

  public void onShardChange(ShardListener l) {
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forAll(
                    (type, before, after) -> {
                      ChildData any = after != null ? after : before;
                      String[] parts = any.getPath().split("/");
                      // "", "jobs", id, "shards", index
                      if (parts.length != 5 || !"shards".equals(parts[3])) {
                        return;
                      }
                      try {
                        l.changed(parts[2], shard(before), shard(after));
                      } catch (RuntimeException e) {
                        log.warn("shard listener failed on {}: {}", any.getPath(), e.toString());
                      }
                    })
                .build());
  }

  /** Every decode goes through the memos, so a record the listener decoded is not decoded again. */
  private ShardRecord shard(ChildData d) {
    return d == null || d.getData() == null || d.getData().length == 0 ? null : shardRecords.of(d);
  }

  public Optional<JobRecord> job(String id) {
    try {
      return cache
          .get(ZkPaths.job(id))
          .filter(d -> d.getData() != null && d.getData().length > 0)
          .map(jobRecords::of);
    } catch (IllegalArgumentException notAnId) {
      return Optional.empty();
    }
  }

  /** The job with its shards, if cached completely. */
  public Optional<Job> jobWithShards(String id) {
    return job(id)
        .map(
            r -> {
              List<ShardRecord> shards = new ArrayList<>(r.spec().shards());
              for (int i = 0; i < r.spec().shards(); i++) {
                ShardRecord s = cache.get(ZkPaths.shard(id, i)).map(this::shard).orElse(null);
                if (s != null) {
                  shards.add(s);
                }
              }
              return new Job(r, shards);
            });
  }

  /**
   * The job with its shards: from the cache, or, when the cache does not hold it completely yet,
   * read from ZooKeeper. A client that was told its job was created may ask any replica for it at
   * once, before that replica's cache has caught up; it must not hear NOT_FOUND.
   */
  public Optional<Job> jobWithShardsReadingThrough(String id, long timeoutMs) throws Exception {
    Optional<Job> cached = jobWithShards(id);
    if (cached.isPresent()
        && cached.get().shards().size() == cached.get().record().spec().shards()) {
      return cached;
    }
    if (!id.matches("j[0-9]{1,18}-[0-9]{1,18}")) {
      return Optional.empty();
    }
    JobEntry e = store.load(id, timeoutMs);
    return e == null ? Optional.empty() : Optional.of(new Job(e.job, List.of(e.shards)));
  }

  /** Every cached job, newest first. */
  public List<Job> jobs() {
    Map<String, JobRecord> jobs = new TreeMap<>();
    Map<String, List<ShardRecord>> shards = new TreeMap<>();
    int[] seen = {0};
    cache.stream()
        .forEach(
            d -> {
              seen[0]++;
              String[] parts = d.getPath().split("/");
              if (d.getData() == null || d.getData().length == 0) {
                return;
              }
              try {
                if (parts.length == 3) {
                  jobs.put(parts[2], jobRecords.of(d));
                } else if (parts.length == 5 && "shards".equals(parts[3])) {
                  shards.computeIfAbsent(parts[2], k -> new ArrayList<>()).add(shard(d));
                }
              } catch (RuntimeException e) {
                log.warn("ignoring unreadable record {}", d.getPath());
              }
            });
    forgetDeleted(seen[0]);
    List<Job> out = new ArrayList<>();
    jobs.forEach(
        (id, r) -> {
          // A job cached before its shards has none yet: a list of its own, which sort may change.
          List<ShardRecord> s = shards.getOrDefault(id, new ArrayList<>());
          s.sort(Comparator.comparingInt(ShardRecord::index));
          out.add(new Job(r, s));
        });
    out.sort(Comparator.comparingLong((Job j) -> j.record().order()).reversed());
    return out;
  }

  private void forgetDeleted(int live) {
    java.util.function.Supplier<java.util.Set<String>> paths =
        () -> {
          java.util.Set<String> out = new java.util.HashSet<>();
          cache.stream().forEach(d -> out.add(d.getPath()));
          return out;
        };
    jobRecords.forgetDeleted(live, paths);
    shardRecords.forgetDeleted(live, paths);
  }

  /** Resources held now per nation, by shards placed or running. */
  public static Map<String, ResourceVector> usage(List<Job> jobs) {
    Map<String, ResourceVector> out = new TreeMap<>();
    for (Job j : jobs) {
      ResourceVector each = SnapshotBuilder.demand(j.record().spec());
      for (ShardRecord s : j.shards()) {
        if (s.state().holdsNode()) {
          out.merge(j.record().nation(), each, ResourceVector::plus);
        }
      }
    }
    return out;
  }

  /** Shards placed on or running at {@code node} ({@code NATION/name}). */
  public List<Map.Entry<String, ShardRecord>> holdingNode(String node) {
    List<Map.Entry<String, ShardRecord>> out = new ArrayList<>();
    cache.stream()
        .forEach(
            d -> {
              String[] parts = d.getPath().split("/");
              if (parts.length == 5 && "shards".equals(parts[3])) {
                ShardRecord s = shard(d);
                if (s != null && s.state().holdsNode() && node.equals(s.node())) {
                  out.add(Map.entry(parts[2], s));
                }
              }
            });
    return out;
  }

  @Override
  public void close() {
    cache.close();
  }
}
