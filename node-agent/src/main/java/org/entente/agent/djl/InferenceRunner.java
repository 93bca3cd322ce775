package org.entente.agent.djl;

import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.entente.agent.shards.ShardContext;
import org.entente.agent.shards.ShardRunner;
import org.entente.agent.shards.ShardServices;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardOutput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one shard of an inference job: the job's model over the shard's input partition, in batches,
 * to a CSV file stored in the coordinators' artifact store.
 *
 * <p>Model: the job's {@code model} artifact, an Entente model file of a built-in architecture or a
 * TorchScript archive (see {@link InferenceModel}). Inputs: a features-only CSV partition (see
 * {@link CsvExamples}, {@link DataPartition}). Parameter {@code batchSize}: rows per forward pass,
 * 1 to 65536 (default 256).
 *
 * <p>Output, UTF-8 with {@code \n} line ends: the header {@code row,class,score0,...,scoreK-1}
 * ({@code row,class} when there are no input rows and the model does not say K), then one line per
 * input row in file order: the row's data row index in the input file (see {@link CsvExamples}),
 * the index of its highest score (the first on a tie), and the model's K output values. Values are
 * written exactly rounded to 9 significant digits in {@link BigDecimal#toString()} notation (e.g.
 * {@code 0.123456791}, {@code -3.5}, {@code 1.00000001E-7}), which is lossless for float32 and
 * independent of the JDK, so two nodes that compute the same floats write the same bytes and the
 * same digest. The output goes with the SUCCEEDED report ({@link ShardContext#recordOutput}) with
 * its row count; the note gives the rows and the digest's start. Cancellation is checked before
 * every batch.
 *
 * <p>Thread-safe: attempts share nothing but the {@link ShardServices}.
 */
public final class InferenceRunner implements ShardRunner {
  /** Rows per forward pass unless the {@code batchSize} parameter says otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 256;

  private static final Logger log = LoggerFactory.getLogger(InferenceRunner.class);
  private static final MathContext DIGITS = new MathContext(9, RoundingMode.HALF_EVEN);

  private final ShardServices services;

  public InferenceRunner(ShardServices services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  @Override
  public String run(ShardAssignment a, ShardContext context) throws Exception {
    int batchSize =
        JobParameters.optionalInt(a.getParametersMap(), "batchSize", DEFAULT_BATCH_SIZE, 1, 65_536);
    String scoresParam = a.getParametersMap().getOrDefault("scores", "false").trim();
    if (!scoresParam.equals("true") && !scoresParam.equals("false")) {
      throw new IllegalArgumentException(
          "parameters.scores: true or false, got '"
              + JobParameters.printable(scoresParam, 40)
              + "'");
    }
    boolean scores = scoresParam.equals("true");
    if (!a.hasModel()) {
      throw new IllegalArgumentException("an inference job needs a model artifact");
    }
    DataPartition partition = DataPartition.of(a);
    String what = "model " + JobParameters.printable(a.getModel().getUri(), 200);
    Path modelFile = services.fetch("model", a.getModel(), a.getNation());
    Path inputFile =
        services.fetch("data[" + partition.index() + "]", partition.artifact(), a.getNation());
    stopIfCancelled(context, 0);

    Path output = Files.createTempFile("entente-inference-", ".csv");
    try {
      long rows;
      try (InferenceModel model =
          InferenceModel.load(modelFile, what, Devices.choose(context.devices()))) {
        Examples inputs =
            CsvExamples.readFeatures(inputFile, partition.describe(), model.features(), partition);
        try (Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
          rows = write(model, inputs, batchSize, scores, context, out);
        }
      }
      ShardOutput stored = services.upload(output).toBuilder().setRows(rows).build();
      context.recordOutput(stored);
      log.info(
          "job {} shard {}: {} rows scored, output {} ({} bytes)",
          a.getJobId(),
          a.getShard(),
          rows,
          stored.getSha256(),
          stored.getSizeBytes());
      return rows + " rows, output " + TrainingRunner.prefix(stored.getSha256());
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static long write(
      InferenceModel model,
      Examples inputs,
      int batchSize,
      boolean withScores,
      ShardContext context,
      Writer out)
      throws IOException {
    int n = inputs.size();
    int width = inputs.width();
    boolean headerWritten = false;
    StringBuilder line = new StringBuilder(256);
    for (int from = 0; from < n; from += batchSize) {
      stopIfCancelled(context, from);
      int rows = Math.min(batchSize, n - from);
      float[] batch = new float[rows * width];
      System.arraycopy(inputs.features(), from * width, batch, 0, batch.length);
      InferenceModel.Scores scores = model.score(batch, rows, width);
      int k = scores.perRow();
      if (!headerWritten) {
        out.write(header(withScores ? k : 0));
        headerWritten = true;
      }
      for (int r = 0; r < rows; r++) {
        line.setLength(0);
        line.append(inputs.rows()[from + r])
            .append(',')
            .append(LocalTrainer.argmax(scores.values(), r * k, k));
        for (int c = 0; withScores && c < k; c++) {
          line.append(',').append(format(scores.values()[r * k + c]));
        }
        out.write(line.append('\n').toString());
      }
    }
    if (!headerWritten) {
      out.write(header(withScores ? model.classes() : 0));
    }
    return n;
  }

  private static String header(int scores) {
    StringBuilder h = new StringBuilder("row,class");
    for (int c = 0; c < scores; c++) {
      h.append(",score").append(c);
    }
    return h.append('\n').toString();
  }

  /** A float exactly rounded to 9 significant digits: lossless, and the same on every JDK. */
  static String format(float value) {
    if (Float.isNaN(value)) {
      return "NaN";
    }
    if (Float.isInfinite(value)) {
      return value > 0 ? "Infinity" : "-Infinity";
    }
    if (value == 0) {
      return "0";
    }
    return new BigDecimal(value).round(DIGITS).toString();
  }

  private static void stopIfCancelled(ShardContext context, int rowsDone) {
    if (context.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw new CancellationException("inference cancelled after " + rowsDone + " rows");
    }
  }
}
