package org.entente.cli.job;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte quantities written as plain bytes ({@code 1048576}), with a 1024-based suffix ({@code
 * Ki}, {@code Mi}, {@code Gi}, {@code Ti}) or a 1000-based one ({@code K}, {@code M}, {@code G},
 * {@code T}). Stateless.
 */
public final class ByteQuantity {
  private static final Pattern FORM = Pattern.compile("([0-9]{1,19})(Ki|Mi|Gi|Ti|K|M|G|T)?");
  private static final Map<String, Long> UNITS =
      Map.of(
          "Ki",
          1L << 10,
          "Mi",
          1L << 20,
          "Gi",
          1L << 30,
          "Ti",
          1L << 40,
          "K",
          1_000L,
          "M",
          1_000_000L,
          "G",
          1_000_000_000L,
          "T",
          1_000_000_000_000L);

  private ByteQuantity() {}

  /**
   * The number of bytes {@code text} names.
   *
   * @throws IllegalArgumentException saying what is wrong and how to write it
   */
  public static long parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a byte quantity; write whole bytes, or a whole number with Ki, Mi, Gi,"
              + " Ti (1024-based) or K, M, G, T (1000-based), for example 16Gi");
    }
    try {
      long n = Long.parseLong(m.group(1));
      return m.group(2) == null ? n : Math.multiplyExact(n, UNITS.get(m.group(2)));
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large", e);
    }
  }
}
