package org.entente.coordinator.model;

/** Names a node across the federation: nation and name. Immutable. */
public record NodeKey(String nation, String name) implements Comparable<NodeKey> {
  @Override
  public int compareTo(NodeKey o) {
    int c = nation.compareTo(o.nation);
    return c != 0 ? c : name.compareTo(o.name);
  }

  /**
   * Reads {@code NATION/name}, as {@link #toString} writes it.
   *
   * @throws IllegalArgumentException if either part is not a valid name
   */
  public static NodeKey parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("expected NATION/name, got '" + text + "'");
    }
    return new NodeKey(
        org.entente.security.Names.requireNation(text.substring(0, slash)),
        org.entente.security.Names.requireName(text.substring(slash + 1)));
  }

  @Override
  public String toString() {
    return nation + "/" + name;
  }
}
