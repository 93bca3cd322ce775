package org.entente.agent.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.Optional;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;

/**
 * Moves an initialised DJL block's parameters to and from the flat {@code float[]} of a {@link
 * ModelFile}. The layout lists every parameter as {@code Block.getParameters()} orders it (the
 * order the blocks were added, then each block's own order), named as DJL names it (e.g. {@code
 * 01Linear_weight}), so the same architecture always has the same layout. Stateless; a block must
 * not be used by another thread while its values are read or replaced.
 */
public final class ParameterIo {
  private ParameterIo() {}

  /** Names and shapes of {@code block}'s parameters, in a stable order. */
  public static TensorLayout layout(Block block) {
    TensorLayout.Builder layout = TensorLayout.newBuilder();
    for (Pair<String, Parameter> p : block.getParameters()) {
      TensorInfo.Builder t = TensorInfo.newBuilder().setName(p.getKey());
      for (long d : array(p).getShape().getShape()) {
        t.addShape(d);
      }
      layout.addTensors(t);
    }
    return layout.build();
  }

  /** A copy of all of {@code block}'s parameter values, tensor after tensor, in layout order. */
  public static float[] values(Block block) {
    float[] values = new float[Math.toIntExact(ModelFile.valueCount(layout(block)))];
    int at = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      float[] tensor = array(p).toFloatArray();
      System.arraycopy(tensor, 0, values, at, tensor.length);
      at += tensor.length;
    }
    return values;
  }

  /** {@code block}'s parameters as a model file of {@code architecture} ending {@code round}. */
  public static ModelFile toModelFile(Architecture architecture, Block block, int round) {
    return new ModelFile(architecture.header(layout(block), round), values(block));
  }

  /**
   * Loads a model file's values into {@code block}; see {@link #load(Block, TensorLayout,
   * float[])}.
   */
  public static void load(Block block, ModelFile file) {
    load(block, file.header().getLayout(), file.values());
  }

  /**
   * Replaces {@code block}'s parameter values with {@code values}, laid out as {@code layout}.
   *
   * @throws IllegalArgumentException if {@code layout} is not the block's own layout (saying which
   *     tensor differs and how) or {@code values} does not fill it; nothing is changed then
   */
  public static void load(Block block, TensorLayout layout, float[] values) {
    TensorLayout own = layout(block);
    difference(own, layout)
        .ifPresent(
            d -> {
              throw new IllegalArgumentException("the parameters do not fit the model: " + d);
            });
    long expected = ModelFile.valueCount(own);
    if (values.length != expected) {
      throw new IllegalArgumentException(
          "the parameters do not fit the model: it holds "
              + expected
              + " values, got "
              + values.length);
    }
    int at = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray array = array(p);
      int size = Math.toIntExact(array.size());
      array.set(FloatBuffer.wrap(values, at, size));
      at += size;
    }
  }

  /** How {@code actual} differs from {@code expected}, or empty when they are the same. */
  public static Optional<String> difference(TensorLayout expected, TensorLayout actual) {
    int n = Math.min(expected.getTensorsCount(), actual.getTensorsCount());
    for (int i = 0; i < n; i++) {
      TensorInfo e = expected.getTensors(i);
      TensorInfo a = actual.getTensors(i);
      if (!e.equals(a)) {
        return Optional.of(
            "tensor "
                + i
                + " is "
                + describe(a)
                + " in the file but "
                + describe(e)
                + " in the model");
      }
    }
    if (expected.getTensorsCount() != actual.getTensorsCount()) {
      return Optional.of(
          "the file has "
              + actual.getTensorsCount()
              + " tensors, the model "
              + expected.getTensorsCount());
    }
    return Optional.empty();
  }

  private static String describe(TensorInfo t) {
    return t.getName() + " " + t.getShapeList();
  }

  private static NDArray array(Pair<String, Parameter> p) {
    if (!p.getValue().isInitialized()) {
      throw new IllegalStateException("parameter " + p.getKey() + " is not initialised");
    }
    return p.getValue().getArray();
  }
}
