package org.entente.security;

import java.util.EnumSet;
import java.util.Set;

/** TLS usages a certificate may be issued for (its extended key usage). */
public enum Usage {
  CLIENT_AUTH,
  SERVER_AUTH;

  /** Coordinators serve and call each other; every other role only calls. */
  public static Set<Usage> defaultsFor(Role role) {
    return role == Role.COORDINATOR
        ? EnumSet.of(CLIENT_AUTH, SERVER_AUTH)
        : EnumSet.of(CLIENT_AUTH);
  }
}
