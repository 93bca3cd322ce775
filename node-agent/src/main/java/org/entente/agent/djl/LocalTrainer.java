package org.entente.agent.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.TensorLayout;

/**
 * The local part of federated training: one model of a built-in {@link Architecture} trained with
 * plain SGD (fixed learning rate, softmax cross-entropy on the logits) over one partition's
 * examples. Each step takes the next batch of a shuffled pass over the examples (the last batch of
 * a pass may be smaller) and reshuffles after every pass. The parameters start from {@link
 * Architecture#initialValues} with {@code initSeed}, so every shard of a job starts alike, while
 * {@code shuffleSeed} decides the order of examples.
 *
 * <p>The {@link TrainingRunner} runs its rounds with this class, and benchmarks run it directly to
 * compare a shard's speed with plain DJL. Not thread-safe: one thread uses an instance. Instances
 * on different threads may run at once, but their forward and backward passes take turns (DJL
 * allows one gradient collector per process). Close it to free the native memory of the model and
 * trainer.
 */
public final class LocalTrainer implements AutoCloseable {
  private static final int EVALUATION_BATCH = 1024;

  /**
   * DJL's PyTorch gradient collector is process-wide: a second one open at the same time, on any
   * thread, fails. Concurrent trainers (several shards on one node) therefore take turns for the
   * forward and backward pass of a step; the parameter update runs outside the lock. Fair, so that
   * no shard starves.
   */
  private static final ReentrantLock GRADIENTS = new ReentrantLock(true);

  private final Architecture architecture;
  private final Examples data;
  private final int batchSize;
  private final Model model;
  private final Trainer trainer;
  private final TensorLayout layout;
  private final SplittableRandom shuffle;
  private final int[] order;
  private int next;

  /**
   * Builds and initialises the model on {@code device}.
   *
   * @param data labelled examples with {@code architecture.features()} values each, at least one
   */
  public LocalTrainer(
      Architecture architecture,
      Examples data,
      int batchSize,
      float learningRate,
      long initSeed,
      long shuffleSeed,
      Device device) {
    this.architecture = Objects.requireNonNull(architecture, "architecture");
    this.data = Objects.requireNonNull(data, "data");
    if (data.size() == 0 || !data.labelled() || data.width() != architecture.features()) {
      throw new IllegalArgumentException(
          "need labelled examples of "
              + architecture.features()
              + " features, got "
              + data.size()
              + " of "
              + data.width());
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size " + batchSize);
    }
    this.batchSize = batchSize;
    this.shuffle = new SplittableRandom(shuffleSeed);
    this.order = new int[data.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    this.next = order.length;

    Model m = Model.newInstance("entente-" + architecture.name(), device, Devices.ENGINE);
    try {
      m.setBlock(architecture.newBlock());
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(
                  Optimizer.sgd().setLearningRateTracker(Tracker.fixed(learningRate)).build())
              .optDevices(new Device[] {device});
      Trainer t = m.newTrainer(config);
      try {
        t.initialize(architecture.batchShape(1));
        this.layout = ParameterIo.layout(m.getBlock());
        ParameterIo.load(m.getBlock(), layout, Architecture.initialValues(layout, initSeed));
      } catch (RuntimeException e) {
        t.close();
        throw e;
      }
      this.trainer = t;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    this.model = m;
  }

  /** Examples seen and mean training loss over some steps. */
  public record StepStats(long examples, double meanLoss) {}

  /** Accuracy and mean loss over a set of examples. */
  public record Evaluation(long examples, double accuracy, double meanLoss) {}

  public Architecture architecture() {
    return architecture;
  }

  /** The block, for reading or replacing parameters; owned by this trainer. */
  public Block block() {
    return model.getBlock();
  }

  /** Names and shapes of the parameters. */
  public TensorLayout layout() {
    return layout;
  }

  /** A copy of the current parameter values, in {@link #layout()} order. */
  public float[] values() {
    return ParameterIo.values(model.getBlock());
  }

  /** Replaces the parameters with {@code values} in {@link #layout()} order. */
  public void load(float[] values) {
    ParameterIo.load(model.getBlock(), layout, values);
  }

  /**
   * Replaces the parameters with a model file's.
   *
   * @throws IllegalArgumentException if the file is of another architecture or layout
   */
  public void load(ModelFile file) {
    Architecture theirs = Architectures.fromHeader(file.header());
    if (!theirs.equals(architecture)) {
      throw new IllegalArgumentException(
          "the model file is a " + theirs + " model, this one is " + architecture);
    }
    ParameterIo.load(model.getBlock(), file);
  }

  /** The current parameters as a model file ending {@code round}. */
  public ModelFile toModelFile(int round) {
    return new ModelFile(architecture.header(layout, round), values());
  }

  /** Runs {@code n} SGD steps. */
  public StepStats steps(int n) {
    return steps(n, () -> false);
  }

  /**
   * Runs {@code n} SGD steps, checking {@code stop} before each.
   *
   * @throws CancellationException once {@code stop} returns true
   */
  public StepStats steps(int n, BooleanSupplier stop) {
    long examples = 0;
    double lossSum = 0;
    for (int s = 0; s < n; s++) {
      if (stop.getAsBoolean()) {
        throw new CancellationException("training stopped after " + s + " of " + n + " steps");
      }
      int[] batch = nextBatch();
      try (NDManager scope = trainer.getManager().newSubManager()) {
        NDArray x = features(scope, batch);
        NDArray y = labels(scope, batch);
        lockGradients();
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDList prediction = trainer.forward(new NDList(x));
          NDArray loss = trainer.getLoss().evaluate(new NDList(y), prediction);
          collector.backward(loss);
          lossSum += (double) loss.getFloat() * batch.length;
        } finally {
          GRADIENTS.unlock();
        }
        trainer.step();
      }
      examples += batch.length;
    }
    return new StepStats(examples, examples == 0 ? 0 : lossSum / examples);
  }

  private static void lockGradients() {
    try {
      GRADIENTS.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting to compute gradients");
    }
  }

  /** Accuracy and mean loss of the current parameters on labelled {@code examples}. */
  public Evaluation evaluate(Examples examples) {
    if (!examples.labelled() || examples.width() != architecture.features()) {
      throw new IllegalArgumentException(
          "need labelled examples of " + architecture.features() + " features");
    }
    long correct = 0;
    double lossSum = 0;
    int n = examples.size();
    for (int from = 0; from < n; from += EVALUATION_BATCH) {
      int[] batch = new int[Math.min(EVALUATION_BATCH, n - from)];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = from + i;
      }
      try (NDManager scope = trainer.getManager().newSubManager()) {
        NDArray x = scope.create(gather(examples, batch), architecture.batchShape(batch.length));
        NDArray y = scope.create(gatherLabels(examples, batch));
        NDList prediction = trainer.evaluate(new NDList(x));
        lossSum +=
            (double) trainer.getLoss().evaluate(new NDList(y), prediction).getFloat()
                * batch.length;
        float[] scores = prediction.singletonOrThrow().toFloatArray();
        for (int i = 0; i < batch.length; i++) {
          if (argmax(scores, i * architecture.classes(), architecture.classes())
              == examples.labels()[batch[i]]) {
            correct++;
          }
        }
      }
    }
    return new Evaluation(n, n == 0 ? 0 : (double) correct / n, n == 0 ? 0 : lossSum / n);
  }

  /** Index of the largest of {@code count} values from {@code from}; ties go to the first. */
  static int argmax(float[] values, int from, int count) {
    int best = 0;
    for (int i = 1; i < count; i++) {
      if (values[from + i] > values[from + best]) {
        best = i;
      }
    }
    return best;
  }

  private int[] nextBatch() {
    if (next >= order.length) {
      for (int i = order.length - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      next = 0;
    }
    int size = Math.min(batchSize, order.length - next);
    int[] batch = new int[size];
    System.arraycopy(order, next, batch, 0, size);
    next += size;
    return batch;
  }

  private NDArray features(NDManager scope, int[] batch) {
    return scope.create(gather(data, batch), architecture.batchShape(batch.length));
  }

  private NDArray labels(NDManager scope, int[] batch) {
    return scope.create(gatherLabels(data, batch));
  }

  private static float[] gather(Examples examples, int[] batch) {
    int w = examples.width();
    float[] out = new float[batch.length * w];
    for (int i = 0; i < batch.length; i++) {
      System.arraycopy(examples.features(), batch[i] * w, out, i * w, w);
    }
    return out;
  }

  private static long[] gatherLabels(Examples examples, int[] batch) {
    long[] out = new long[batch.length];
    for (int i = 0; i < batch.length; i++) {
      out[i] = examples.labels()[batch[i]];
    }
    return out;
  }

  /** Closes the trainer and the model, freeing their native memory. */
  @Override
  public void close() {
    try {
      trainer.close();
    } finally {
      model.close();
    }
  }
}
