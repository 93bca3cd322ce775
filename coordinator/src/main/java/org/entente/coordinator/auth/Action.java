package org.entente.coordinator.auth;

/** Everything a caller can ask a coordinator to do, for the authorization table. */
public enum Action {
  /** Register and heartbeat as a node (agent stream). */
  AGENT_CONNECT,
  /** Read the federation: nodes, replicas, leader. */
  READ_FEDERATION,
  /** Drain a node of the target nation. */
  DRAIN_NODE,
  /** Publish the target nation's revocation list. */
  PUBLISH_REVOCATIONS,
  /** Submit a job charged to the target nation. */
  SUBMIT_JOB,
  /** Cancel a job of the target nation. */
  CANCEL_JOB,
  /** Read jobs and quotas. */
  READ_JOBS,
  /** Send a shard's FedAvg update and receive the round's average (nodes, for their shards). */
  EXCHANGE_ROUND,
  /** Coordinator-internal calls between replicas. */
  REPLICA_INTERNAL,
  /** Upload to the artifact store. */
  PUT_ARTIFACT,
  /** Download or look up a stored artifact. */
  READ_ARTIFACTS,
  /** Read the contribution ledger: entries, checkpoints, proofs. */
  READ_LEDGER,
  /** Propose or approve a governed change (an operator of a member nation). */
  GOVERN
}
