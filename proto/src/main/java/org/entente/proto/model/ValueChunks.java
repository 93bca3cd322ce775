package org.entente.proto.model;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameters on the wire: float32 little-endian values cut into chunks of {@link #CHUNK_VALUES}, so
 * that a model never travels as one large message, and put back together on the other side.
 */
public final class ValueChunks {
  /** Values per chunk: 256 KiB, well under every channel's 1 MiB message limit. */
  public static final int CHUNK_VALUES = 64 * 1024;

  private ValueChunks() {}

  /** {@code values} as chunks, in order. */
  public static List<ByteString> split(float[] values) {
    List<ByteString> out = new ArrayList<>(values.length / CHUNK_VALUES + 1);
    for (int from = 0; from < values.length; from += CHUNK_VALUES) {
      int n = Math.min(CHUNK_VALUES, values.length - from);
      out.add(ByteString.copyFrom(ModelFile.floatsToBytes(values, from, n)));
    }
    return out;
  }

  /**
   * Puts chunks back into an array of a size announced in advance. Room grows as values arrive, so
   * an announcement alone costs nothing. Not thread-safe.
   */
  public static final class Assembler {
    private final int count;
    private float[] values;
    private int filled;

    public Assembler(long count) {
      if (count < 0 || count > ModelFile.MAX_VALUES) {
        throw new IllegalArgumentException("value count " + count + " is out of range");
      }
      this.count = (int) count;
      this.values = new float[Math.min(this.count, CHUNK_VALUES)];
    }

    /**
     * Adds the next chunk.
     *
     * @throws IllegalArgumentException if it is not whole float32 values or overflows the count
     */
    public void add(ByteString chunk) {
      if (chunk.size() % 4 != 0 || filled + chunk.size() / 4 > count) {
        throw new IllegalArgumentException(
            "more values than the "
                + count
                + " announced, or a chunk that is not whole float32 values");
      }
      if (filled + chunk.size() / 4 > values.length) {
        int room = (int) Math.min(count, Math.max(2L * values.length, filled + chunk.size() / 4));
        values = java.util.Arrays.copyOf(values, room);
      }
      ModelFile.bytesToFloats(chunk.toByteArray(), 0, chunk.size(), values, filled);
      filled += chunk.size() / 4;
    }

    /**
     * The values, once every one has arrived.
     *
     * @throws IllegalArgumentException if fewer arrived
     */
    public float[] complete() {
      if (filled != count) {
        throw new IllegalArgumentException(
            count + " values were announced, " + filled + " arrived");
      }
      return values.length == count ? values : java.util.Arrays.copyOf(values, count);
    }
  }
}
