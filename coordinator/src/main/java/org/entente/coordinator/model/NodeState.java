package org.entente.coordinator.model;

/** What the federation knows about a node's liveness. */
public enum NodeState {
  /** Connected and heartbeating. */
  ACTIVE,
  /** Connected and heartbeating, taking no new work. */
  DRAINING,
  /** Stopped heartbeating or disconnected. */
  LOST
}
