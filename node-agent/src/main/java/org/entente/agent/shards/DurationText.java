package org.entente.agent.shards;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in job parameters: a whole number and a unit, {@code 500ms},
 * {@code 30s}, {@code 2m}, {@code 1h}. Pure; thread-safe.
 */
public final class DurationText {
  private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

  private DurationText() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what a valid value looks like
   */
  public static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "must be a whole number followed by ms, s, m or h (for example 500ms, 30s, 2m), got '"
              + printable(text)
              + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** The shortest exact form in the same notation: 90 s is {@code 90s}, 120 s is {@code 2m}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** User text for an error message: clipped, control characters replaced. */
  static String printable(String s) {
    String clipped = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return clipped.replaceAll("\\p{Cntrl}", "?");
  }
}
