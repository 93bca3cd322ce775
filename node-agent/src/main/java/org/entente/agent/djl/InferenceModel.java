package org.entente.agent.djl;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.entente.proto.model.ModelFile;

/**
 * A model loaded for inference: an Entente model file of a built-in architecture (it starts with
 * {@code ENTM}), or a TorchScript archive (a zip, it starts with {@code PK}) loaded by the PyTorch
 * engine. A TorchScript model takes one float32 tensor of shape {@code (batch, features)} and
 * returns {@code (batch, k)} scores (or {@code (batch)}, one score). Not thread-safe; close it to
 * free its native memory.
 */
final class InferenceModel implements AutoCloseable {
  private final Model model;
  private final Architecture architecture;

  private InferenceModel(Model model, Architecture architecture) {
    this.model = model;
    this.architecture = architecture;
  }

  /**
   * Loads {@code file} on {@code device}.
   *
   * @param what how messages name the model
   * @throws IOException naming the model and what is wrong with it
   */
  static InferenceModel load(Path file, String what, Device device) throws IOException {
    byte[] magic;
    try (InputStream in = Files.newInputStream(file)) {
      magic = in.readNBytes(4);
    }
    if (Arrays.equals(magic, "ENTM".getBytes(StandardCharsets.US_ASCII))) {
      return entente(TrainingRunner.readModel(file, what), what, device);
    }
    if (magic.length >= 2 && magic[0] == 'P' && magic[1] == 'K') {
      return torchScript(file, what, device);
    }
    throw new IOException(
        what + ": neither an Entente model file (ENTM) nor a TorchScript archive (a zip file)");
  }

  private static InferenceModel entente(ModelFile file, String what, Device device) {
    Architecture architecture;
    try {
      architecture = Architectures.fromHeader(file.header());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
    Model model = Model.newInstance("entente-" + architecture.name(), device, Devices.ENGINE);
    try {
      Block block = architecture.newBlock();
      model.setBlock(block);
      block.initialize(model.getNDManager(), DataType.FLOAT32, architecture.batchShape(1));
      try {
        ParameterIo.load(block, file);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
      }
      return new InferenceModel(model, architecture);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static InferenceModel torchScript(Path file, String what, Device device)
      throws IOException {
    Model model = Model.newInstance("torchscript", device, Devices.ENGINE);
    try {
      model.load(file, null, Map.of("mapLocation", "true"));
      return new InferenceModel(model, null);
    } catch (MalformedModelException | IOException | RuntimeException e) {
      model.close();
      throw new IOException(
          what + ": not a TorchScript model the engine can load: " + e.getMessage(), e);
    }
  }

  /** Feature values per example the model takes; 0 when it does not say (TorchScript). */
  int features() {
    return architecture == null ? 0 : architecture.features();
  }

  /** Scores per example; 0 when the model does not say (TorchScript). */
  int classes() {
    return architecture == null ? 0 : architecture.classes();
  }

  /** Scores of a batch: {@code perRow} values for each row, row after row. */
  record Scores(float[] values, int perRow) {}

  /**
   * Runs the model on {@code rows} examples of {@code width} values each.
   *
   * @throws IllegalStateException if the model returns something other than one row of scores per
   *     example
   */
  Scores score(float[] features, int rows, int width) {
    Shape shape = architecture == null ? new Shape(rows, width) : architecture.batchShape(rows);
    // libtorch's grad mode is per thread and on by default: a shard's worker thread would record
    // an autograd graph for every batch and throw it away. Inference needs none.
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = model.getNDManager().newSubManager()) {
      NDArray x = scope.create(features, shape);
      NDList out = model.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false);
      if (out.isEmpty()) {
        throw new IllegalStateException("the model returned nothing");
      }
      NDArray y = out.get(0);
      Shape s = y.getShape();
      if (s.dimension() == 0 || s.dimension() > 2 || s.get(0) != rows) {
        throw new IllegalStateException(
            "the model returned shape "
                + s
                + " for a batch of "
                + rows
                + " rows; expected one row of scores per input row");
      }
      int perRow = s.dimension() == 1 ? 1 : Math.toIntExact(s.get(1));
      float[] values =
          y.getDataType() == DataType.FLOAT32
              ? y.toFloatArray()
              : y.toType(DataType.FLOAT32, false).toFloatArray();
      return new Scores(values, perRow);
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
