package org.entente.agent.djl;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a data partition from a CSV file. The format:
 *
 * <ul>
 *   <li>UTF-8 text, one example per line, values separated by commas (spaces around a value are
 *       ignored); no quoting.
 *   <li>Values are decimal numbers as Java's {@code Float.parseFloat} reads them ({@code 0.5},
 *       {@code -3}, {@code 1e-3}); NaN and infinities are refused.
 *   <li>Training data: the feature values, then the class as the last column, a whole number from 0
 *       to {@code classes - 1} ({@code 2} or {@code 2.0}).
 *   <li>Inference inputs: the feature values only.
 *   <li>For {@code cnn}, the features are the image's {@code channels * height * width} values in
 *       channel, row, column order.
 *   <li>If the first non-blank line's first field is not a number, that line is a header and is
 *       skipped. Blank lines are skipped anywhere.
 *   <li>Data rows are counted from 0 (header and blank lines not counted); {@link DataPartition}
 *       picks the shard's rows by that index, and inference outputs name it.
 * </ul>
 *
 * Errors name the file and the line (1 = first line of the file). Only the rows of the shard's
 * partition are parsed. Stateless and thread-safe.
 */
public final class CsvExamples {
  private CsvExamples() {}

  /**
   * Reads the partition's training examples: {@code features} values and a class label per row.
   *
   * @param name how messages name the file (its artifact URI)
   * @throws IOException naming the file and line of a malformed row
   */
  public static Examples readLabelled(
      Path file, String name, int features, int classes, DataPartition partition)
      throws IOException {
    return read(file, name, features, classes, partition);
  }

  /**
   * Reads the partition's inference inputs: {@code features} values per row, or as many as the
   * first data row has when {@code features} is 0 (then every row must have that many).
   *
   * @throws IOException naming the file and line of a malformed row
   */
  public static Examples readFeatures(Path file, String name, int features, DataPartition partition)
      throws IOException {
    return read(file, name, features, 0, partition);
  }

  /** {@code classes == 0}: no label column. */
  private static Examples read(
      Path file, String name, int features, int classes, DataPartition partition)
      throws IOException {
    boolean labelled = classes > 0;
    int width = features;
    float[] values = new float[1024];
    int valueCount = 0;
    int[] labels = new int[labelled ? 64 : 0];
    long[] rows = new long[64];
    int count = 0;
    long row = 0;
    long lineNumber = 0;
    boolean first = true;
    float[] parsed = new float[16];
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        if (first) {
          first = false;
          if (isHeader(line)) {
            continue;
          }
        }
        long index = row++;
        if (!partition.includes(index)) {
          continue;
        }
        String where = name + " line " + lineNumber;
        int fields = split(line, parsed, where);
        if (fields > parsed.length) {
          parsed = new float[fields];
          split(line, parsed, where);
        }
        if (width == 0) {
          width = fields;
        }
        int expected = width + (labelled ? 1 : 0);
        if (fields != expected) {
          throw new IOException(
              where
                  + ": expected "
                  + expected
                  + " values ("
                  + width
                  + " features"
                  + (labelled ? " and a class label" : "")
                  + "), got "
                  + fields);
        }
        if (valueCount + width > values.length) {
          values = Arrays.copyOf(values, Math.max(values.length * 2, valueCount + width));
        }
        System.arraycopy(parsed, 0, values, valueCount, width);
        valueCount += width;
        if (count == rows.length) {
          rows = Arrays.copyOf(rows, count * 2);
          if (labelled) {
            labels = Arrays.copyOf(labels, count * 2);
          }
        }
        rows[count] = index;
        if (labelled) {
          labels[count] = label(parsed[width], classes, where);
        }
        count++;
      }
    } catch (CharacterCodingException e) {
      throw new IOException(name + " line " + (lineNumber + 1) + ": not UTF-8 text");
    }
    return new Examples(
        width,
        Arrays.copyOf(values, valueCount),
        labelled ? Arrays.copyOf(labels, count) : new int[0],
        Arrays.copyOf(rows, count));
  }

  private static boolean isHeader(String line) {
    int comma = line.indexOf(',');
    String field = (comma < 0 ? line : line.substring(0, comma)).strip();
    try {
      Float.parseFloat(field);
      return false;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /**
   * Parses the comma-separated values of {@code line} into {@code into} and returns how many there
   * are; when there are more than {@code into} holds, only counts them (the caller retries with a
   * larger array).
   */
  private static int split(String line, float[] into, String where) throws IOException {
    int fields = 0;
    int from = 0;
    while (true) {
      int comma = line.indexOf(',', from);
      int to = comma < 0 ? line.length() : comma;
      if (fields < into.length) {
        into[fields] = number(line.substring(from, to).strip(), fields + 1, where);
      }
      fields++;
      if (comma < 0) {
        return fields;
      }
      from = comma + 1;
    }
  }

  private static float number(String field, int column, String where) throws IOException {
    float value;
    try {
      value = Float.parseFloat(field);
    } catch (NumberFormatException e) {
      throw new IOException(
          where
              + ", column "
              + column
              + ": '"
              + JobParameters.printable(field)
              + "' is not a number");
    }
    if (!Float.isFinite(value)) {
      throw new IOException(where + ", column " + column + ": " + field + " is not finite");
    }
    return value;
  }

  private static int label(float value, int classes, String where) throws IOException {
    if (value != Math.rint(value) || value < 0 || value >= classes) {
      throw new IOException(
          where
              + ": the class label (last column) must be a whole number from 0 to "
              + (classes - 1)
              + ", got "
              + value);
    }
    return (int) value;
  }
}
