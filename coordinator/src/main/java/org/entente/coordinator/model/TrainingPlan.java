package org.entente.coordinator.model;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.entente.coordinator.errors.InvalidRequestException;

/**
 * The parameters of a job that the coordinators act on, read from its {@code parameters} map and
 * checked at submission so that a typo is refused with the field's name instead of failing shards
 * later. Training: {@code rounds} FedAvg rounds, a round closes once every shard sent its update
 * or, after {@code roundTimeout}, once {@code minShards} have. The other parameters are the
 * runner's (steps, batch size, learning rate, model shape); their syntax is checked here too.
 * Immutable.
 */
public record TrainingPlan(
    int rounds, int minShards, long roundTimeoutMs, Aggregation aggregation) {
  /** A plan combining updates by plain FedAvg. */
  public TrainingPlan(int rounds, int minShards, long roundTimeoutMs) {
    this(rounds, minShards, roundTimeoutMs, Aggregation.PLAIN);
  }

  public static final int DEFAULT_ROUNDS = 10;
  public static final long DEFAULT_ROUND_TIMEOUT_MS = 30_000;

  /** A round with fewer than {@code minShards} updates fails after this many round timeouts. */
  public static final int QUORUM_WAIT_TIMEOUTS = 4;

  private static final Set<String> MODELS = Set.of("mlp", "cnn");
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

  /** The plan of a job (defaults where the parameters say nothing); the spec must be valid. */
  public static TrainingPlan of(JobSpec spec) {
    Map<String, String> p = spec.parameters();
    int rounds = (int) number(p, "rounds", DEFAULT_ROUNDS, 1, 100_000);
    int minShards = (int) number(p, "minShards", spec.shards() / 2 + 1, 1, spec.shards());
    long timeout = duration(p, "roundTimeout", DEFAULT_ROUND_TIMEOUT_MS, 1_000, 3_600_000);
    return new TrainingPlan(rounds, minShards, timeout, Aggregation.of(p));
  }

  /**
   * Checks the parameters a training or inference runner will read.
   *
   * @throws InvalidRequestException naming {@code parameters.<name>}
   */
  public static void check(String kind, int shards, Map<String, String> p) {
    number(p, "batchSize", 1, 1, 1 << 16);
    if (!kind.equals("training")) {
      String scores = p.get("scores");
      if (scores != null && !scores.equals("true") && !scores.equals("false")) {
        throw new InvalidRequestException(
            "parameters.scores", "true or false, got '" + clip(scores) + "'");
      }
      return;
    }
    number(p, "rounds", 1, 1, 100_000);
    number(p, "minShards", 1, 1, shards);
    number(p, "localSteps", 1, 1, 1_000_000);
    number(p, "inputs", 1, 1, 1 << 20);
    number(p, "classes", 2, 2, 1 << 16);
    number(p, "channels", 1, 1, 64);
    number(p, "height", 4, 4, 4096);
    number(p, "width", 4, 4, 4096);
    String hidden = p.get("hidden");
    if (hidden != null && !hidden.trim().matches("|[0-9]{1,7}( *, *[0-9]{1,7})*")) {
      throw new InvalidRequestException(
          "parameters.hidden",
          "hidden layer widths as a comma list such as 64,32, got '" + clip(hidden) + "'");
    }
    number(p, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    duration(p, "roundTimeout", DEFAULT_ROUND_TIMEOUT_MS, 1_000, 3_600_000);
    Aggregation.of(p);
    String lr = p.get("learningRate");
    if (lr != null) {
      double v;
      try {
        v = Double.parseDouble(lr);
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!(v > 0 && v <= 10)) {
        throw new InvalidRequestException(
            "parameters.learningRate", "must be a number above 0 and at most 10, got '" + lr + "'");
      }
    }
    String model = p.get("model");
    if (model != null && !MODELS.contains(model)) {
      throw new InvalidRequestException(
          "parameters.model", "built-in models are mlp and cnn, got '" + clip(model) + "'");
    }
  }

  private static long number(Map<String, String> p, String name, long dflt, long min, long max) {
    String v = p.get(name);
    if (v == null) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          "parameters." + name, "must be a whole number, got '" + clip(v) + "'");
    }
    if (n < min || n > max) {
      throw new InvalidRequestException(
          "parameters." + name, "must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  private static long duration(Map<String, String> p, String name, long dflt, long min, long max) {
    String v = p.get(name);
    if (v == null) {
      return dflt;
    }
    Matcher m = DURATION.matcher(v.trim());
    if (!m.matches()) {
      throw new InvalidRequestException(
          "parameters." + name,
          "must be a duration such as 500ms, 30s, 5m or 1h, got '" + clip(v) + "'");
    }
    long n = Long.parseLong(m.group(1));
    long ms =
        switch (m.group(2)) {
          case "ms" -> n;
          case "s" -> n * 1000;
          case "m" -> n * 60_000;
          default -> n * 3_600_000;
        };
    if (ms < min || ms > max) {
      throw new InvalidRequestException(
          "parameters." + name, "must be between " + min / 1000 + "s and " + max / 60_000 + "m");
    }
    return ms;
  }

  private static String clip(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
