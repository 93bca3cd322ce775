package org.entente.bench;

/** Reads {@code --name value} integer options. */
final class Args {
  private Args() {}

  static int integer(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
