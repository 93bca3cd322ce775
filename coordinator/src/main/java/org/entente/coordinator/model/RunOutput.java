package org.entente.coordinator.model;

/**
 * One successful run of a replicated shard: the attempt's receipt id, the node and its nation, and
 * the output the agent reported (its digest is also signed in the agent's receipt). Immutable.
 */
public record RunOutput(
    String receiptId, String node, String nodeNation, String sha256, long sizeBytes, long rows) {

  /** The output as a shard record holds it. */
  public OutputRef output() {
    return new OutputRef(sha256, sizeBytes, rows);
  }
}
