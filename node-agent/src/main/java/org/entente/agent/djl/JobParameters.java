package org.entente.agent.djl;

import java.util.Map;

/**
 * Reads typed values from a job's string parameters. Every error names the parameter as {@code
 * parameters.<name>} and says what a valid value looks like, because the message becomes the
 * shard's failure reason. Stateless and thread-safe.
 */
final class JobParameters {
  private JobParameters() {}

  /** A required whole number in {@code [min, max]}. */
  static int requiredInt(
      Map<String, String> parameters, String prefix, String name, int min, int max) {
    String text = parameters.get(name);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          prefix + name + ": missing, give a whole number from " + min + " to " + max);
    }
    return parseInt(text, prefix + name, min, max);
  }

  /** An optional whole number in {@code [min, max]}. */
  static int optionalInt(
      Map<String, String> parameters, String name, int defaultValue, int min, int max) {
    String text = parameters.get(name);
    return text == null ? defaultValue : parseInt(text, "parameters." + name, min, max);
  }

  /** An optional 64-bit whole number (any value). */
  static long optionalLong(Map<String, String> parameters, String name, long defaultValue) {
    String text = parameters.get(name);
    if (text == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "parameters." + name + ": must be a whole number, got '" + printable(text) + "'");
    }
  }

  /** An optional finite decimal number in {@code (0, max]}. */
  static double optionalPositive(
      Map<String, String> parameters, String name, double defaultValue, double max) {
    String text = parameters.get(name);
    if (text == null) {
      return defaultValue;
    }
    double value;
    try {
      value = Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value > 0 && value <= max)) {
      throw new IllegalArgumentException(
          "parameters."
              + name
              + ": must be a number above 0 and at most "
              + max
              + " (for example 0.1), got '"
              + printable(text)
              + "'");
    }
    return value;
  }

  static int parseInt(String text, String qualifiedName, int min, int max) {
    String s = text.strip();
    if (s.matches("[0-9]{1,10}")) {
      long value = Long.parseLong(s);
      if (value >= min && value <= max) {
        return (int) value;
      }
    }
    throw new IllegalArgumentException(
        qualifiedName
            + ": must be a whole number from "
            + min
            + " to "
            + max
            + ", got '"
            + printable(text)
            + "'");
  }

  /** User text for an error message: clipped, control characters replaced. */
  static String printable(String s) {
    return printable(s, 40);
  }

  /** {@link #printable(String)} clipped at {@code max} characters (URIs need more than 40). */
  static String printable(String s, int max) {
    String clipped = s.length() > max ? s.substring(0, max) + "..." : s;
    return clipped.replaceAll("\\p{Cntrl}", "?");
  }
}
