package org.entente.cli.job;

import java.util.ArrayList;
import java.util.List;
import org.entente.proto.v1.ArrayRange;

/**
 * The {@code --array} expression of {@code entente submit}, as {@code sbatch --array} writes it:
 * comma-separated indices and ranges, a range with an optional step ({@code 0-4999}, {@code
 * 1,3,10-20:2}). Only the syntax is checked here; bounds, overlaps and the size limit are the
 * coordinator's to enforce, so every client gets the same answer.
 */
public final class ArraySpec {
  private ArraySpec() {}

  /**
   * Parses the expression.
   *
   * @throws IllegalArgumentException with a message naming the part that is not an index or range
   */
  public static List<ArrayRange> parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("--array: give indices such as 0-4999 or 1,3,10-20:2");
    }
    List<ArrayRange> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.strip();
      if (!p.matches("[0-9]{1,9}(-[0-9]{1,9}(:[0-9]{1,9})?)?")) {
        throw new IllegalArgumentException(
            "--array: '"
                + p.replaceAll("[^\\x20-\\x7e]", "?")
                + "' is not INDEX or FIRST-LAST[:STEP] (e.g. 0-4999, 1,3,10-20:2)");
      }
      String[] range = p.split("[-:]");
      int first = Integer.parseInt(range[0]);
      int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
      int step = range.length > 2 ? Integer.parseInt(range[2]) : 1;
      if (last < first || step < 1) {
        throw new IllegalArgumentException(
            "--array: in '" + p + "' LAST must not be below FIRST and STEP must be at least 1");
      }
      out.add(ArrayRange.newBuilder().setFirst(first).setLast(last).setStep(step).build());
    }
    return out;
  }

  /** How many jobs {@code ranges} make (as the coordinator counts them, overlaps aside). */
  public static long jobs(List<ArrayRange> ranges) {
    return ranges.stream().mapToLong(r -> (r.getLast() - r.getFirst()) / r.getStep() + 1).sum();
  }
}
