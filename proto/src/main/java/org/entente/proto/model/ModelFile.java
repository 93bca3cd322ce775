package org.entente.proto.model;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.entente.proto.v1.ModelHeader;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;

/**
 * A model file: checkpoints and trained models as agents and coordinators store them. The bytes are
 * {@code "ENTM"}, the header's length (4 bytes, big-endian), a {@link ModelHeader}, then every
 * tensor's values as float32 little-endian, in layout order. The format is ours, so that the
 * coordinator can average and store parameters without a deep-learning engine. Immutable apart from
 * {@code values}, which callers must not change after handing it over.
 */
public record ModelFile(ModelHeader header, float[] values) {
  private static final byte[] MAGIC = "ENTM".getBytes(StandardCharsets.US_ASCII);

  /** Headers are small; a larger one is a corrupt or hostile file. */
  public static final int MAX_HEADER_BYTES = 1 << 20;

  /** 2^31 - 1 floats would not fit one array; 512 Mi parameters is far above our models. */
  public static final long MAX_VALUES = 512L * 1024 * 1024;

  public ModelFile {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(values, "values");
    long expected = valueCount(header.getLayout());
    if (expected != values.length) {
      throw new IllegalArgumentException(
          "the layout holds " + expected + " values, got " + values.length);
    }
  }

  /** How many values a layout holds; throws on a negative dimension or an absurd total. */
  public static long valueCount(TensorLayout layout) {
    long total = 0;
    for (TensorInfo t : layout.getTensorsList()) {
      long n = 1;
      for (long d : t.getShapeList()) {
        if (d < 0 || d > MAX_VALUES) {
          throw new IllegalArgumentException("tensor " + t.getName() + " has dimension " + d);
        }
        n = Math.multiplyExact(n, d);
      }
      total = Math.addExact(total, n);
      if (total > MAX_VALUES) {
        throw new IllegalArgumentException("more than " + MAX_VALUES + " values");
      }
    }
    return total;
  }

  /** The whole file. */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + values.length * 4);
    try {
      write(out);
    } catch (IOException e) {
      throw new IllegalStateException("a byte array stream does not fail", e);
    }
    return out.toByteArray();
  }

  /** Writes the whole file to {@code out} (not closed). */
  public void write(OutputStream out) throws IOException {
    byte[] h = header.toByteArray();
    out.write(MAGIC);
    out.write(ByteBuffer.allocate(4).putInt(h.length).array());
    out.write(h);
    int step = 64 * 1024;
    for (int from = 0; from < values.length; from += step) {
      int n = Math.min(step, values.length - from);
      out.write(floatsToBytes(values, from, n));
    }
  }

  /**
   * Reads and checks a whole model file.
   *
   * @throws IOException naming what is wrong: not a model file, a truncated file, trailing bytes
   */
  public static ModelFile read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    byte[] magic = new byte[4];
    try {
      d.readFully(magic);
    } catch (EOFException e) {
      throw new IOException("not an Entente model file: shorter than its 4-byte magic");
    }
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new IOException("not an Entente model file: it does not start with ENTM");
    }
    int len;
    try {
      len = d.readInt();
    } catch (EOFException e) {
      throw new IOException("truncated model file: no header length");
    }
    if (len < 0 || len > MAX_HEADER_BYTES) {
      throw new IOException("model file header length " + len + " is out of range");
    }
    byte[] h = new byte[len];
    try {
      d.readFully(h);
    } catch (EOFException e) {
      throw new IOException("truncated model file: the header is cut short");
    }
    ModelHeader header;
    try {
      header = ModelHeader.parseFrom(h);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("model file header is not readable: " + e.getMessage());
    }
    long count;
    try {
      count = valueCount(header.getLayout());
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IOException("model file layout is invalid: " + e.getMessage());
    }
    float[] values = new float[(int) count];
    byte[] buf = new byte[64 * 1024 * 4];
    int at = 0;
    while (at < values.length) {
      int n = Math.min(buf.length / 4, values.length - at);
      try {
        d.readFully(buf, 0, n * 4);
      } catch (EOFException e) {
        throw new IOException(
            "truncated model file: the layout holds " + count + " values, fewer arrived");
      }
      bytesToFloats(buf, 0, n * 4, values, at);
      at += n;
    }
    if (d.read() != -1) {
      throw new IOException("model file has bytes after its " + count + " values");
    }
    return new ModelFile(header, values);
  }

  /** {@code n} floats from {@code from} as little-endian bytes. */
  public static byte[] floatsToBytes(float[] values, int from, int n) {
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values, from, n);
    return b.array();
  }

  /**
   * Decodes {@code len} bytes (a multiple of 4) into {@code into} starting at {@code at}.
   *
   * @throws IllegalArgumentException if {@code len} is not a multiple of 4 or would overflow
   */
  public static void bytesToFloats(byte[] bytes, int off, int len, float[] into, int at) {
    if (len % 4 != 0) {
      throw new IllegalArgumentException(len + " bytes are not whole float32 values");
    }
    if (at + len / 4 > into.length) {
      throw new IllegalArgumentException("more values than the layout holds");
    }
    ByteBuffer.wrap(bytes, off, len)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(into, at, len / 4);
  }
}
