package org.entente.coordinator.model;

/** Names a node across the federation: nation and name. Immutable. */
public record NodeKey(String nation, String name) implements Comparable<NodeKey> {
  @Override
  public int compareTo(NodeKey o) {
    int c = nation.compareTo(o.nation);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return nation + "/" + name;
  }
}
