package org.entente.coordinator.model;

/** Where a shard is in its life. */
public enum ShardState {
  /** Waiting for a placement. */
  PENDING,
  /** Given to a node; the agent has not yet reported it running. */
  PLACED,
  /** The agent reported the current attempt running. */
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  /** Taken back (lost node, failure with retries left, preemption); waits like PENDING. */
  REQUEUED;

  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** Holds resources on a node. */
  public boolean holdsNode() {
    return this == PLACED || this == RUNNING;
  }

  /** Waits for the scheduler. */
  public boolean waiting() {
    return this == PENDING || this == REQUEUED;
  }
}
