package org.entente.agent.shards;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.entente.proto.v1.ShardAssignment;

/**
 * A stand-in workload: holds its devices for a while, then succeeds or fails as its parameters say.
 * Parameters:
 *
 * <ul>
 *   <li>{@code duration}: how long to run, e.g. {@code 500ms}, {@code 30s}, {@code 2m} (default
 *       {@code 10s});
 *   <li>{@code fail}: fail at the end with this text;
 *   <li>{@code failAttempts}: only attempts up to this number fail (to exercise retries); with no
 *       {@code fail} text they fail with a generic one.
 * </ul>
 *
 * Malformed parameters fail the shard at once, naming the parameter. Waiting is cancellation-aware
 * and does not spin. Stateless and thread-safe.
 */
public final class PlaceholderRunner implements ShardRunner {
  static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);

  @Override
  public String run(ShardAssignment a, ShardContext context) throws Exception {
    Duration duration = duration(a);
    int failAttempts = failAttempts(a);
    String fail = a.getParametersOrDefault("fail", "");

    if (context.awaitCancellation(duration)) {
      throw new CancellationException("placeholder cancelled");
    }
    boolean failing = !fail.isEmpty() || failAttempts > 0;
    if (failing && (failAttempts == 0 || a.getAttempt() <= failAttempts)) {
      throw new IllegalStateException(
          fail.isEmpty()
              ? "attempt "
                  + a.getAttempt()
                  + " failed on purpose (failAttempts="
                  + failAttempts
                  + ")"
              : fail);
    }
    return "placeholder ran " + DurationText.format(duration) + " on devices " + context.devices();
  }

  private static Duration duration(ShardAssignment a) {
    String text = a.getParametersOrDefault("duration", null);
    if (text == null) {
      return DEFAULT_DURATION;
    }
    try {
      return DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("parameter 'duration' " + e.getMessage(), e);
    }
  }

  private static int failAttempts(ShardAssignment a) {
    String text = a.getParametersOrDefault("failAttempts", null);
    if (text == null) {
      return 0;
    }
    if (!text.strip().matches("[0-9]{1,9}")) {
      throw new IllegalArgumentException(
          "parameter 'failAttempts' must be a whole number of attempts, got '"
              + DurationText.printable(text)
              + "'");
    }
    return Integer.parseInt(text.strip());
  }
}
