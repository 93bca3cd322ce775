package org.entente.bench;

/** Reads {@code --name value} options. */
final class Args {
  private Args() {}

  static int integer(String[] args, String name, int fallback) {
    String v = text(args, name, null);
    return v == null ? fallback : Integer.parseInt(v);
  }

  static String text(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
