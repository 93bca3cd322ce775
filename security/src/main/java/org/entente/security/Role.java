package org.entente.security;

import java.util.Locale;

/** The role named in an identity's SAN URI. Immutable. */
public enum Role {
  COORDINATOR,
  NODE,
  OPERATOR,
  AUDITOR;

  /** The lowercase form used in URIs and on the command line. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code coordinator|node|operator|auditor}; throws with the allowed values otherwise. */
  public static Role parse(String text) {
    for (Role r : values()) {
      if (r.label().equals(text)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown role '" + text + "': expected one of coordinator, node, operator, auditor");
  }
}
