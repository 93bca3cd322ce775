package org.entente.coordinator.model;

/**
 * A connected node's presence ({@code /nodes/<NATION>/<name>}), ephemeral and owned by the replica
 * holding its stream. Immutable.
 */
public record NodeRecord(
    String nation,
    String name,
    Resources resources,
    NodeState state,
    String replica,
    long connectedAtMs,
    String sessionId) {

  public NodeRecord withState(NodeState next) {
    return new NodeRecord(nation, name, resources, next, replica, connectedAtMs, sessionId);
  }
}
