package org.entente.agent.djl;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.entente.proto.v1.ModelHeader;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;

/**
 * One built-in model shape, resolved from its parameters by {@link Architectures}: its name ({@code
 * mlp}, {@code cnn}), the parameters that define it (normalised, so that equal models have equal
 * parameters and two shards of a job write identical {@link ModelHeader}s), the shape of one
 * example and the number of classes. It makes fresh DJL blocks and deterministic initial values.
 * Two architectures are equal when their name and parameters are. Immutable and thread-safe.
 */
public final class Architecture {
  private final String name;
  private final SortedMap<String, String> parameters;
  private final Shape exampleShape;
  private final int classes;
  private final int[] hidden;

  Architecture(
      String name, Map<String, String> parameters, Shape exampleShape, int classes, int[] hidden) {
    this.name = Objects.requireNonNull(name, "name");
    this.parameters = Collections.unmodifiableSortedMap(new TreeMap<>(parameters));
    this.exampleShape = Objects.requireNonNull(exampleShape, "exampleShape");
    this.classes = classes;
    this.hidden = hidden.clone();
  }

  /** {@code mlp} or {@code cnn}. */
  public String name() {
    return name;
  }

  /** The parameters that define this model, sorted by name, as they go in a model header. */
  public SortedMap<String, String> parameters() {
    return parameters;
  }

  /** Shape of one example without the batch axis: {@code (inputs)} or {@code (c, h, w)}. */
  public Shape exampleShape() {
    return exampleShape;
  }

  /** Values in one example: the number of feature columns in a data row. */
  public int features() {
    return Math.toIntExact(exampleShape.size());
  }

  /** Output classes: the model returns one score (a logit) per class. */
  public int classes() {
    return classes;
  }

  /** The input shape of a batch of {@code batch} examples, as {@code Block.initialize} takes it. */
  public Shape batchShape(long batch) {
    return new Shape(batch).addAll(exampleShape);
  }

  /** A new, uninitialised block of this architecture. */
  public Block newBlock() {
    SequentialBlock block = new SequentialBlock();
    if (name.equals(Architectures.MLP)) {
      for (int units : hidden) {
        block.add(Linear.builder().setUnits(units).build()).add(Activation.reluBlock());
      }
    } else {
      block
          .add(conv(8))
          .add(Activation.reluBlock())
          .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
          .add(conv(16))
          .add(Activation.reluBlock())
          .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
          .add(Blocks.batchFlattenBlock());
    }
    return block.add(Linear.builder().setUnits(classes).build());
  }

  private static Block conv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }

  /** A model header for values laid out as {@code layout} at the end of {@code round}. */
  public ModelHeader header(TensorLayout layout, int round) {
    return ModelHeader.newBuilder()
        .setArchitecture(name)
        .putAllArchitectureParameters(parameters)
        .setLayout(layout)
        .setRound(round)
        .build();
  }

  /**
   * Initial values for {@code layout}, the same for every caller with the same {@code seed}:
   * weights (tensors of two or more axes) uniform in the Xavier range, biases zero. Computed in
   * Java rather than by the engine's generator, which is process-wide and so not reproducible while
   * other shards train on other threads.
   */
  public static float[] initialValues(TensorLayout layout, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values =
        new float[Math.toIntExact(org.entente.proto.model.ModelFile.valueCount(layout))];
    int at = 0;
    for (TensorInfo tensor : layout.getTensorsList()) {
      long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
      int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
      if (shape.length >= 2) {
        long receptive = Arrays.stream(shape, 2, shape.length).reduce(1, Math::multiplyExact);
        double fanIn = (double) shape[1] * receptive;
        double fanOut = (double) shape[0] * receptive;
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < size; i++) {
          values[at + i] = (float) random.nextDouble(-bound, bound);
        }
      }
      at += size;
    }
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Architecture other
        && name.equals(other.name)
        && parameters.equals(other.parameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, parameters);
  }

  /** For messages: {@code mlp{classes=3, hidden=8, inputs=4}}. */
  @Override
  public String toString() {
    return name + parameters;
  }
}
