package org.entente.agent.djl;

import ai.djl.Device;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.agent.shards.ShardContext;
import org.entente.agent.shards.ShardRunner;
import org.entente.agent.shards.ShardServices;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.Checkpoint;
import org.entente.proto.v1.ShardAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one shard of a federated training job: local SGD steps on the shard's data partition, then a
 * FedAvg exchange through the coordinators, round after round.
 *
 * <p>Parameters: {@code model} and the architecture's own (see {@link Architectures}), and the
 * training ones (see {@link TrainingParameters}). Data: a labelled CSV partition (see {@link
 * CsvExamples}, {@link DataPartition}).
 *
 * <p>Start: from the assignment's {@code resume_from} checkpoint when there is one, continuing
 * after its round (a requeued shard does not start from zero); else from the job's {@code model}
 * artifact when it has one (an Entente model file of the same architecture); else from fresh
 * parameters drawn with the job's seed, identical on every shard.
 *
 * <p>Each round: {@code localSteps} steps, then {@link ShardServices#exchange} with this shard's
 * parameters, weighted by the examples in its partition; the round's average replaces them, and the
 * shard continues from the round the average ends (later than its own when it was late). It ends
 * after round {@code rounds} with a note such as {@code "10 rounds, loss 0.4100, model
 * 3f2a9c01b7e4"} (the last checkpoint's digest). Cancellation is checked before every step and
 * after every exchange. The first GPU allocated to the shard is used when the engine sees one, else
 * the CPU.
 *
 * <p>Thread-safe: attempts share nothing but the {@link ShardServices}.
 */
public final class TrainingRunner implements ShardRunner {
  private static final Logger log = LoggerFactory.getLogger(TrainingRunner.class);

  private final ShardServices services;

  public TrainingRunner(ShardServices services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  @Override
  public String run(ShardAssignment a, ShardContext context) throws Exception {
    TrainingParameters parameters = TrainingParameters.from(a.getParametersMap());
    Architecture architecture = Architectures.fromJobParameters(a.getParametersMap());
    DataPartition partition = DataPartition.of(a);
    BooleanSupplier stop = () -> context.isCancelled() || Thread.currentThread().isInterrupted();

    Examples examples =
        CsvExamples.readLabelled(
            services.fetch("data[" + partition.index() + "]", partition.artifact(), a.getNation()),
            partition.describe(),
            architecture.features(),
            architecture.classes(),
            partition);
    if (examples.size() == 0) {
      throw new IllegalArgumentException(
          partition.describe() + " has no data rows for shard " + a.getShard());
    }
    Start start = start(a);
    stopIfCancelled(stop, "before training");

    Device device = Devices.choose(context.devices());
    try (LocalTrainer trainer =
        new LocalTrainer(
            architecture,
            examples,
            parameters.batchSize(),
            parameters.learningRate(),
            parameters.seed(),
            parameters.shuffleSeed(a.getShard()),
            device)) {
      int round = 0;
      String model = "";
      if (start != null) {
        try {
          trainer.load(start.file());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(start.what() + ": " + e.getMessage(), e);
        }
        round = start.round();
        model = start.sha256();
        log.info(
            "job {} shard {}: starting after round {} from {}",
            a.getJobId(),
            a.getShard(),
            round,
            start.what());
      }
      if (round >= parameters.rounds()) {
        return "nothing to train: checkpoint at round "
            + round
            + " of "
            + parameters.rounds()
            + ", model "
            + prefix(model);
      }
      log.info(
          "job {} shard {} attempt {}: {} examples of {} on {}, rounds {}..{}",
          a.getJobId(),
          a.getShard(),
          a.getAttempt(),
          examples.size(),
          architecture,
          device,
          round + 1,
          parameters.rounds());
      double loss = Double.NaN;
      while (round < parameters.rounds()) {
        long began = System.nanoTime();
        LocalTrainer.StepStats stats = trainer.steps(parameters.localSteps(), stop);
        long computeMs = (System.nanoTime() - began) / 1_000_000;
        int sending = round + 1;
        RoundResult result =
            services.exchange(
                new RoundUpdate(
                    a.getJobId(),
                    a.getShard(),
                    a.getAttempt(),
                    sending,
                    // FedAvg weighs each shard by the size of its partition (McMahan et al.'s
                    // n_k): every shard runs the same steps, so steps would weigh them alike.
                    examples.size(),
                    stats.meanLoss(),
                    architecture.header(trainer.layout(), sending),
                    trainer.values(),
                    computeMs));
        stopIfCancelled(stop, "after round " + sending);
        if (result.round() < sending) {
          throw new IOException(
              "the coordinator answered the update for round "
                  + sending
                  + " with the average of round "
                  + result.round());
        }
        try {
          trainer.load(result.values());
        } catch (IllegalArgumentException e) {
          throw new IOException(
              "the average of round " + result.round() + " does not fit: " + e.getMessage(), e);
        }
        round = result.round();
        loss = result.loss();
        model = result.checkpoint().getSha256();
        log.info(
            "job {} shard {}: round {}/{} local loss {} ({} examples, {} ms), average loss {} of {} shards{}",
            a.getJobId(),
            a.getShard(),
            round,
            parameters.rounds(),
            String.format(Locale.ROOT, "%.4f", stats.meanLoss()),
            stats.examples(),
            computeMs,
            String.format(Locale.ROOT, "%.4f", result.loss()),
            result.contributors(),
            result.included() ? "" : " (this update was late, not included)");
      }
      return String.format(
          Locale.ROOT, "%d rounds, loss %.4f, model %s", round, loss, prefix(model));
    }
  }

  /** Where training starts; null for fresh parameters. */
  private Start start(ShardAssignment a) throws IOException, InterruptedException {
    if (a.hasResumeFrom()) {
      Checkpoint c = a.getResumeFrom();
      if (c.getRound() < 0) {
        throw new IllegalArgumentException("resume_from names round " + c.getRound());
      }
      Artifact artifact =
          Artifact.newBuilder()
              .setUri("entente:artifacts/" + c.getSha256())
              .setSha256(c.getSha256())
              .build();
      String what = "checkpoint of round " + c.getRound();
      return new Start(
          readModel(services.fetch("checkpoint", artifact), what),
          c.getRound(),
          what,
          c.getSha256());
    }
    if (a.hasModel()) {
      String what = "model " + JobParameters.printable(a.getModel().getUri(), 200);
      return new Start(
          readModel(services.fetch("model", a.getModel(), a.getNation()), what),
          0,
          what,
          a.getModel().getSha256());
    }
    return null;
  }

  private record Start(ModelFile file, int round, String what, String sha256) {}

  static ModelFile readModel(Path path, String what) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return ModelFile.read(in);
    } catch (IOException e) {
      throw new IOException(what + ": " + e.getMessage(), e);
    }
  }

  private static void stopIfCancelled(BooleanSupplier stop, String when) {
    if (stop.getAsBoolean()) {
      throw new CancellationException("training cancelled " + when);
    }
  }

  static String prefix(String sha256) {
    return sha256.length() > 12 ? sha256.substring(0, 12) : sha256;
  }
}
