package org.entente.coordinator.scheduler;

import java.util.Objects;

/** A node of a member nation; ordered by nation, then name. Immutable. */
public record NodeId(String nation, String name) implements Comparable<NodeId> {
  public NodeId {
    Objects.requireNonNull(nation, "nation");
    Objects.requireNonNull(name, "name");
  }

  @Override
  public int compareTo(NodeId o) {
    int c = nation.compareTo(o.nation);
    return c != 0 ? c : name.compareTo(o.name);
  }

  /** "NATION/name". */
  @Override
  public String toString() {
    return nation + "/" + name;
  }
}
