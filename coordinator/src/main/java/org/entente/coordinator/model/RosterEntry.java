package org.entente.coordinator.model;

/**
 * A node's durable record ({@code /roster/<NATION>/<name>}), written only by the leader under its
 * fencing epoch: the federation's memory of every node that ever joined. {@code epoch} is the epoch
 * of the leader that wrote this version. Immutable.
 */
public record RosterEntry(
    String nation,
    String name,
    Resources resources,
    NodeState state,
    String replica,
    long firstSeenMs,
    long lastSeenMs,
    long epoch) {}
