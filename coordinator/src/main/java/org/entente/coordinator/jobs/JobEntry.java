package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.ShardRecord;

/**
 * A job and its shards with the znode versions they were read or written at, so every write can be
 * conditional on nothing having changed underneath. Mutable; owned by one thread.
 */
final class JobEntry {
  JobRecord job;
  int jobVersion;
  final ShardRecord[] shards;
  final int[] shardVersions;

  /**
   * Accepted in this pass and not yet written: changes go to memory only, and the job is created
   * with its latest records (already placed, when the scheduler placed it) in one transaction.
   */
  boolean unwritten;

  JobEntry(JobRecord job, int jobVersion, ShardRecord[] shards, int[] shardVersions) {
    this.job = job;
    this.jobVersion = jobVersion;
    this.shards = shards;
    this.shardVersions = shardVersions;
  }

  JobLifecycle.Job view() {
    return new JobLifecycle.Job(job, new ArrayList<>(List.of(shards)));
  }
}
