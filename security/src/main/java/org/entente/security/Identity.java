package org.entente.security;

import java.util.Objects;

/**
 * Who a certificate holder is: {@code entente://<NATION>/<role>/<name>}. The only source of an
 * identity at run time is a verified peer certificate. Immutable.
 */
public record Identity(String nation, Role role, String name) {
  /** URI scheme of identities. */
  public static final String SCHEME = "entente";

  public Identity {
    Names.requireNation(nation);
    Objects.requireNonNull(role, "role");
    Names.requireName(name);
  }

  /** Parses {@code entente://DE/node/gpu-01}. */
  public static Identity parseUri(String uri) {
    String prefix = SCHEME + "://";
    if (uri == null || !uri.startsWith(prefix)) {
      throw new IllegalArgumentException("identity '" + uri + "' must start with " + prefix);
    }
    String[] parts = uri.substring(prefix.length()).split("/", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "identity '" + uri + "' must look like entente://<NATION>/<role>/<name>");
    }
    return new Identity(parts[0], Role.parse(parts[1]), parts[2]);
  }

  /** The SAN URI form. */
  public String toUri() {
    return SCHEME + "://" + nation + "/" + role.label() + "/" + name;
  }

  /** Short form for logs and tables: {@code DE/node/gpu-01}. */
  @Override
  public String toString() {
    return nation + "/" + role.label() + "/" + name;
  }
}
