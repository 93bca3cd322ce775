package org.entente.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.entente.agent.djl.Architecture;
import org.entente.agent.djl.Architectures;
import org.entente.agent.djl.CsvExamples;
import org.entente.agent.djl.DataPartition;
import org.entente.agent.djl.Examples;
import org.entente.agent.djl.ParameterIo;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.Artifact;

/**
 * The inference baseline: what a program using DJL directly does with the same model file and the
 * same CSV, without Entente. It reads the CSV with the product's parser, then runs the model's
 * block forward over batches of rows (the same call the inference runner makes) and takes each
 * row's highest score; the classes stay in memory, no output file is written. Not thread-safe;
 * close it to free the model's native memory.
 */
final class DirectInference implements AutoCloseable {
  private final Model model;
  private final Architecture architecture;

  /** Loads an Entente model file of a built-in architecture on the CPU. */
  DirectInference(Path modelFile) throws IOException {
    ModelFile file;
    try (InputStream in = Files.newInputStream(modelFile)) {
      file = ModelFile.read(in);
    }
    architecture = Architectures.fromHeader(file.header());
    model = Model.newInstance("direct", Device.cpu(), "PyTorch");
    Block block = architecture.newBlock();
    model.setBlock(block);
    block.initialize(model.getNDManager(), DataType.FLOAT32, architecture.batchShape(1));
    ParameterIo.load(block, file);
  }

  /** Reads {@code inputs} and returns the predicted class of every row, in file order. */
  int[] predict(Path inputs, int batchSize) throws IOException {
    Artifact artifact = Artifact.newBuilder().setUri(inputs.toUri().toString()).build();
    Examples x =
        CsvExamples.readFeatures(
            inputs, "inputs", architecture.features(), new DataPartition(artifact, 0, 1, 0));
    int n = x.size();
    int width = x.width();
    int k = architecture.classes();
    int[] classes = new int[n];
    for (int from = 0; from < n; from += batchSize) {
      int rows = Math.min(batchSize, n - from);
      float[] batch = new float[rows * width];
      System.arraycopy(x.features(), from * width, batch, 0, batch.length);
      try (NDManager scope = model.getNDManager().newSubManager()) {
        NDArray in = scope.create(batch, architecture.batchShape(rows));
        NDList out =
            model.getBlock().forward(new ParameterStore(scope, false), new NDList(in), false);
        float[] scores = out.get(0).toFloatArray();
        for (int r = 0; r < rows; r++) {
          int best = 0;
          for (int c = 1; c < k; c++) {
            if (scores[r * k + c] > scores[r * k + best]) {
              best = c;
            }
          }
          classes[from + r] = best;
        }
      }
    }
    return classes;
  }

  @Override
  public void close() {
    model.close();
  }
}
