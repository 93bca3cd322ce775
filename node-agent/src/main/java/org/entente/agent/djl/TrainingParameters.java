package org.entente.agent.djl;

import java.util.Map;

/**
 * The training parameters of a job, read from its string parameters (besides the architecture, see
 * {@link Architectures}):
 *
 * <ul>
 *   <li>{@code rounds}: FedAvg rounds in all, 1 to 1000000 (default 10);
 *   <li>{@code localSteps}: SGD steps each shard takes per round, 1 to 1000000 (default 20);
 *   <li>{@code batchSize}: examples per step, 1 to 65536 (default 32);
 *   <li>{@code learningRate}: plain SGD's fixed rate, above 0 and at most 100 (default 0.1);
 *   <li>{@code seed}: the job's seed (default 42): parameters start from it on every shard, and
 *       shard {@code i} shuffles its examples with {@code seed + i}.
 * </ul>
 *
 * Immutable and thread-safe.
 */
public record TrainingParameters(
    int rounds, int localSteps, int batchSize, float learningRate, long seed) {
  public static final int DEFAULT_ROUNDS = 10;
  public static final int DEFAULT_LOCAL_STEPS = 20;
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final float DEFAULT_LEARNING_RATE = 0.1f;
  public static final long DEFAULT_SEED = 42;

  public TrainingParameters {
    if (rounds < 1 || localSteps < 1 || batchSize < 1 || !(learningRate > 0)) {
      throw new IllegalArgumentException(
          "rounds, localSteps, batchSize and learningRate must be positive");
    }
  }

  /**
   * Reads the parameters, with defaults for the absent ones.
   *
   * @throws IllegalArgumentException naming the first malformed parameter
   */
  public static TrainingParameters from(Map<String, String> parameters) {
    return new TrainingParameters(
        JobParameters.optionalInt(parameters, "rounds", DEFAULT_ROUNDS, 1, 1_000_000),
        JobParameters.optionalInt(parameters, "localSteps", DEFAULT_LOCAL_STEPS, 1, 1_000_000),
        JobParameters.optionalInt(parameters, "batchSize", DEFAULT_BATCH_SIZE, 1, 65_536),
        (float)
            JobParameters.optionalPositive(parameters, "learningRate", DEFAULT_LEARNING_RATE, 100),
        JobParameters.optionalLong(parameters, "seed", DEFAULT_SEED));
  }

  /** The seed shard {@code shard} shuffles its examples with. */
  public long shuffleSeed(int shard) {
    return seed + shard;
  }
}
