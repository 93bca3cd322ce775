package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.zk.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write half of the leader: every job it knows with the znode versions it holds, and the one
 * way a change reaches them ({@link #apply}): memory moves ahead at once and the conditional writes
 * join the pass's {@link WriteBatch}. Jobs accepted in a pass are created once, at its end, with
 * the records the pass left them in. Not thread-safe; owned by the leader's loop.
 */
final class JobTable {
  private static final Logger log = LoggerFactory.getLogger(JobTable.class);

  /** A job accepted in this pass, with what to do once it is written. */
  private record Fresh(JobEntry entry, Runnable written) {}

  private final JobStore store;
  private final org.entente.coordinator.metrics.CoordinatorMetrics metrics;
  private final Map<String, JobEntry> jobs;
  private final Set<String> active = new LinkedHashSet<>();
  private final Map<String, String> byRequest = new HashMap<>();
  private final List<Fresh> fresh = new ArrayList<>();

  private JobTable(
      JobStore store,
      Map<String, JobEntry> jobs,
      org.entente.coordinator.metrics.CoordinatorMetrics m) {
    this.store = store;
    this.metrics = m;
    this.jobs = jobs;
    for (JobEntry e : jobs.values()) {
      byRequest.put(requestKey(e.job.nation(), e.job.requestId()), e.job.id());
      if (!e.job.state().terminal()) {
        active.add(e.job.id());
      }
    }
  }

  /** Reads every job from ZooKeeper (pipelined). */
  static JobTable load(
      JobStore store, long timeoutMs, org.entente.coordinator.metrics.CoordinatorMetrics metrics)
      throws Exception {
    return new JobTable(store, store.loadAll(timeoutMs), metrics);
  }

  static String requestKey(String nation, String requestId) {
    return nation + "/" + requestId;
  }

  JobEntry get(String jobId) {
    return jobs.get(jobId);
  }

  int size() {
    return jobs.size();
  }

  Map<String, JobEntry> all() {
    return jobs;
  }

  Set<String> active() {
    return active;
  }

  /** The job a nation's request id created, or null. */
  String byRequest(String nation, String requestId) {
    return byRequest.get(requestKey(nation, requestId));
  }

  /** Jobs that have ended and are written (candidates for retention), in no set order. */
  List<JobEntry> finished() {
    List<JobEntry> out = new ArrayList<>();
    for (JobEntry e : jobs.values()) {
      if (!e.unwritten && e.job.state().terminal()) {
        out.add(e);
      }
    }
    return out;
  }

  /** Deletes a finished job: memory at once, its znodes with the pass. */
  void prune(WriteBatch batch, JobEntry e) throws Exception {
    List<CuratorOp> ops = store.delete(e);
    jobs.remove(e.job.id());
    active.remove(e.job.id());
    byRequest.remove(requestKey(e.job.nation(), e.job.requestId()));
    batch.add(ops, ops.size() * 64, null);
  }

  /** Adds a job accepted in this pass; it is written by {@link #writeFresh}. */
  void addFresh(JobEntry entry, Runnable written) {
    entry.unwritten = true;
    jobs.put(entry.job.id(), entry);
    active.add(entry.job.id());
    byRequest.put(requestKey(entry.job.nation(), entry.job.requestId()), entry.job.id());
    fresh.add(new Fresh(entry, written));
  }

  /** Forgets what the last pass accepted but did not write (the pass failed). */
  void clearFresh() {
    fresh.clear();
  }

  List<JobLifecycle.Job> activeJobs() {
    List<JobLifecycle.Job> out = new ArrayList<>(active.size());
    for (String id : active) {
      out.add(jobs.get(id).view());
    }
    return out;
  }

  /**
   * Creates the jobs accepted in this pass, each with the records the pass left it in (placed
   * shards included): one write per job instead of a create and then an update.
   */
  void writeFresh(WriteBatch batch) throws Exception {
    for (Fresh n : fresh) {
      JobEntry e = n.entry();
      e.unwritten = false;
      batch.add(
          store.create(e.job, e.shards),
          Json.write(e.job).length + e.shards.length * 300,
          n.written());
    }
    fresh.clear();
  }

  /**
   * Moves memory ahead at once (later changes in the same pass build on it) and queues the
   * conditional writes; a setData raises the version by exactly one, so the next write's expected
   * version is known before the commit.
   */
  void apply(WriteBatch batch, JobEntry e, JobLifecycle.Change change, Runnable committed)
      throws Exception {
    if (e.unwritten) {
      change.shards().forEach((i, r) -> e.shards[i] = r);
      if (change.job() != null) {
        e.job = change.job();
      }
      if (committed != null) {
        batch.add(List.of(), 0, committed);
      }
      return;
    }
    List<CuratorOp> ops = new ArrayList<>();
    int bytes = 0;
    for (var s : change.shards().entrySet()) {
      int i = s.getKey();
      ops.add(store.updateShard(e.job.id(), s.getValue(), e.shardVersions[i]));
      e.shards[i] = s.getValue();
      e.shardVersions[i]++;
      bytes += 300;
    }
    if (change.job() != null) {
      JobRecord job = change.job();
      ops.add(store.updateJob(job, e.jobVersion));
      e.job = job;
      e.jobVersion++;
      bytes += 2048;
      if (job.state().terminal() && active.remove(job.id())) {
        log.info("job {} {}: {}", job.id(), job.state(), job.reason());
        metrics.jobsFinished.labelValues(job.state().name()).inc();
      }
    }
    batch.add(ops, bytes, committed);
  }
}
