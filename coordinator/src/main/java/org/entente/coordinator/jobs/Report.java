package org.entente.coordinator.jobs;

import org.entente.coordinator.ledger.ReceiptCheck;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.OutputRef;

/**
 * One agent report, as the leader applies it. Immutable.
 *
 * @param receipt the agent's usage receipt, its signature already checked (null when none came)
 */
public record Report(
    String jobId,
    int shard,
    int attempt,
    JobLifecycle.Phase phase,
    String message,
    OutputRef output,
    ReceiptCheck.Signed receipt) {
  public Report(
      String jobId,
      int shard,
      int attempt,
      JobLifecycle.Phase phase,
      String message,
      OutputRef output) {
    this(jobId, shard, attempt, phase, message, output, null);
  }

  /** The same report turned into a failure (the leader refused its success). */
  Report failed(String why) {
    return new Report(jobId, shard, attempt, JobLifecycle.Phase.FAILED, why, null, receipt);
  }

  boolean terminal() {
    return phase != JobLifecycle.Phase.RUNNING;
  }
}
