package org.entente.coordinator.leader;

/**
 * Proof of leadership for writes: the epoch this leader installed and the version of the epoch
 * znode it wrote. A write that checks this version fails once any later leader has bumped the
 * epoch. Immutable.
 */
public record Fence(long epoch, int epochZnodeVersion) {}
