package org.entente.security;

import java.util.regex.Pattern;

/**
 * Rules for nation codes and holder names. Both become ZooKeeper path segments and URI parts, so
 * they are restricted to a small, unambiguous alphabet. Stateless.
 */
public final class Names {
  private static final Pattern NATION = Pattern.compile("[A-Z]{2,3}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

  private Names() {}

  /** Returns the nation code if it is 2 or 3 uppercase letters (ISO 3166 style). */
  public static String requireNation(String nation) {
    if (nation == null || !NATION.matcher(nation).matches()) {
      throw new IllegalArgumentException(
          "invalid nation '" + nation + "': use 2 or 3 uppercase letters, for example DE");
    }
    return nation;
  }

  /** Returns the name if it is a DNS-label-like string of 1 to 63 characters. */
  public static String requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid name '"
              + name
              + "': use 1 to 63 lowercase letters, digits and inner hyphens, for example gpu-01");
    }
    return name;
  }
}
