package org.entente.cli.config;

import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;

/** A {@code host:port} pair from a config file or flag. Immutable. */
public record HostPort(String host, int port) {
  /** Parses {@code host:port}; {@code field} names it in the error. */
  public static HostPort parse(String field, String text) {
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon <= 0) {
      throw new UserException(
          ExitCodes.INVALID, "field '" + field + "': '" + text + "' must look like host:port");
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new HostPort(text.substring(0, colon), port);
    } catch (NumberFormatException e) {
      throw new UserException(
          ExitCodes.INVALID, "field '" + field + "': '" + text + "' has no valid port (0-65535)");
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
