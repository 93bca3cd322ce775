package org.entente.coordinator.ledger;

import java.util.List;
import java.util.Objects;

/**
 * What the leader knows of one attempt of a shard from its own records: where it placed it, for
 * whom, with how many GPUs and when, and the outputs the attempt's report named. A receipt is
 * checked against these, never against what the agent says. Immutable.
 *
 * @param node {@code NATION/name} of the node the attempt was placed on
 * @param outputs SHA-256 of the outputs recorded for the attempt (empty when none)
 */
public record AttemptFacts(
    String jobId,
    int shard,
    int attempt,
    String node,
    String nodeNation,
    String chargedNation,
    int gpus,
    long placedAtMs,
    List<String> outputs,
    int cpus) {
  /** An attempt that was allocated no CPUs (tests of the GPU rules). */
  public AttemptFacts(
      String jobId,
      int shard,
      int attempt,
      String node,
      String nodeNation,
      String chargedNation,
      int gpus,
      long placedAtMs,
      List<String> outputs) {
    this(jobId, shard, attempt, node, nodeNation, chargedNation, gpus, placedAtMs, outputs, 0);
  }

  public AttemptFacts {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(nodeNation, "nodeNation");
    Objects.requireNonNull(chargedNation, "chargedNation");
    outputs = List.copyOf(outputs);
    if (gpus < 0) {
      throw new IllegalArgumentException("gpus must not be negative, got " + gpus);
    }
  }

  /** {@code JOB/SHARD#ATTEMPT}, the id of the attempt's receipt. */
  public String receiptId() {
    return ReceiptIds.of(jobId, shard, attempt);
  }
}
