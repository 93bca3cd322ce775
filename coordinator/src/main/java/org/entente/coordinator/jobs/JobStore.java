package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;

/**
 * Reads and writes jobs in ZooKeeper: {@code /jobs/<id>} and {@code /jobs/<id>/shards/<i>}. Writes
 * are returned as operations for the caller to commit in a fenced transaction; nothing here writes
 * on its own. Thread-safe.
 */
final class JobStore {
  private final CuratorFramework zk;

  JobStore(CuratorFramework zk) {
    this.zk = zk;
  }

  void ensureRoot() throws Exception {
    for (String p : List.of(ZkPaths.JOBS, "/scheduler")) {
      if (zk.checkExists().forPath(p) == null) {
        try {
          zk.create().creatingParentsIfNeeded().forPath(p);
        } catch (KeeperException.NodeExistsException raced) {
          // another replica made it
        }
      }
    }
  }

  /** Operations creating a new job and its shards. */
  List<CuratorOp> create(JobRecord job, ShardRecord[] shards) throws Exception {
    List<CuratorOp> ops = new ArrayList<>(shards.length + 2);
    ops.add(zk.transactionOp().create().forPath(ZkPaths.job(job.id()), Json.write(job)));
    ops.add(zk.transactionOp().create().forPath(ZkPaths.shards(job.id())));
    for (ShardRecord s : shards) {
      ops.add(
          zk.transactionOp().create().forPath(ZkPaths.shard(job.id(), s.index()), Json.write(s)));
    }
    return ops;
  }

  CuratorOp updateJob(JobRecord job, int version) throws Exception {
    return zk.transactionOp()
        .setData()
        .withVersion(version)
        .forPath(ZkPaths.job(job.id()), Json.write(job));
  }

  /** Operations deleting a job and its shards, each at the version the caller holds. */
  List<CuratorOp> delete(JobEntry e) throws Exception {
    String id = e.job.id();
    List<CuratorOp> ops = new ArrayList<>(e.shards.length + 2);
    for (int i = 0; i < e.shards.length; i++) {
      ops.add(
          zk.transactionOp()
              .delete()
              .withVersion(e.shardVersions[i])
              .forPath(ZkPaths.shard(id, i)));
    }
    ops.add(zk.transactionOp().delete().forPath(ZkPaths.shards(id)));
    ops.add(zk.transactionOp().delete().withVersion(e.jobVersion).forPath(ZkPaths.job(id)));
    return ops;
  }

  CuratorOp updateShard(String jobId, ShardRecord s, int version) throws Exception {
    return zk.transactionOp()
        .setData()
        .withVersion(version)
        .forPath(ZkPaths.shard(jobId, s.index()), Json.write(s));
  }

  /**
   * Reads every job with its shards and versions. Reads are pipelined (background calls), since a
   * new leader must load all of them before deciding anything.
   */
  Map<String, JobEntry> loadAll(long timeoutMs) throws Exception {
    List<String> ids;
    try {
      ids = zk.getChildren().forPath(ZkPaths.JOBS);
    } catch (KeeperException.NoNodeException e) {
      return new HashMap<>();
    }
    Map<String, Read> jobs = readAll(ids.stream().map(ZkPaths::job).toList(), timeoutMs);
    List<String> shardPaths = new ArrayList<>();
    Map<String, JobRecord> records = new HashMap<>();
    for (String id : ids) {
      Read r = jobs.get(ZkPaths.job(id));
      if (r == null) {
        continue; // deleted meanwhile
      }
      JobRecord job = Json.read(r.data(), JobRecord.class);
      records.put(id, job);
      for (int i = 0; i < job.spec().shards(); i++) {
        shardPaths.add(ZkPaths.shard(id, i));
      }
    }
    Map<String, Read> shards = readAll(shardPaths, timeoutMs);
    Map<String, JobEntry> out = new HashMap<>();
    for (var e : records.entrySet()) {
      JobRecord job = e.getValue();
      int n = job.spec().shards();
      ShardRecord[] s = new ShardRecord[n];
      int[] v = new int[n];
      boolean complete = true;
      for (int i = 0; i < n; i++) {
        Read r = shards.get(ZkPaths.shard(job.id(), i));
        if (r == null) {
          complete = false;
          break;
        }
        s[i] = Json.read(r.data(), ShardRecord.class);
        v[i] = r.version();
      }
      if (!complete) {
        // Jobs are created with all their shards in one transaction, so this is damage.
        throw new IllegalStateException("job " + job.id() + " is missing shards in ZooKeeper");
      }
      out.put(job.id(), new JobEntry(job, jobs.get(ZkPaths.job(job.id())).version(), s, v));
    }
    return out;
  }

  /** Reads one job again (after a conditional write found it changed). */
  JobEntry load(String id, long timeoutMs) throws Exception {
    Map<String, Read> j = readAll(List.of(ZkPaths.job(id)), timeoutMs);
    Read r = j.get(ZkPaths.job(id));
    if (r == null) {
      return null;
    }
    JobRecord job = Json.read(r.data(), JobRecord.class);
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < job.spec().shards(); i++) {
      paths.add(ZkPaths.shard(id, i));
    }
    Map<String, Read> s = readAll(paths, timeoutMs);
    ShardRecord[] shards = new ShardRecord[paths.size()];
    int[] versions = new int[paths.size()];
    for (int i = 0; i < paths.size(); i++) {
      Read sr = s.get(paths.get(i));
      shards[i] = Json.read(sr.data(), ShardRecord.class);
      versions[i] = sr.version();
    }
    return new JobEntry(job, r.version(), shards, versions);
  }

  private record Read(byte[] data, int version) {}

  private Map<String, Read> readAll(List<String> paths, long timeoutMs) throws Exception {
    Map<String, Read> out = new java.util.concurrent.ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(paths.size());
    java.util.concurrent.atomic.AtomicReference<String> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    for (String p : paths) {
      zk.getData()
          .inBackground(
              (c, e) -> {
                int rc = e.getResultCode();
                if (rc == 0) {
                  Stat st = e.getStat();
                  out.put(p, new Read(e.getData(), st.getVersion()));
                } else if (rc != KeeperException.Code.NONODE.intValue()) {
                  failure.compareAndSet(null, p + ": " + KeeperException.Code.get(rc));
                }
                done.countDown();
              })
          .forPath(p);
    }
    if (!done.await(timeoutMs, TimeUnit.MILLISECONDS)) {
      throw new KeeperException.OperationTimeoutException();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("could not read " + failure.get());
    }
    return out;
  }
}
