package org.entente.coordinator;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.entente.coordinator.scheduler.Quota;

/**
 * How the leader schedules: quotas per nation (Kueue-style; nations without one get their
 * contributed capacity as nominal, unlimited borrowing and lending), the fair-share half-life, the
 * pass interval, requeue backoff, how long a node may be gone before its shards are requeued, and
 * the default maximum runtime, and how long a finished job stays in {@code /jobs} (it leaves only
 * once its receipts are in a cosigned checkpoint as well). Immutable.
 */
public record SchedulingSettings(
    Map<String, Quota> quotas,
    Duration halfLife,
    Duration passInterval,
    Duration backoffBase,
    Duration backoffCap,
    Duration lostNodeGrace,
    Duration placedTimeout,
    Duration defaultMaxRuntime,
    Duration jobRetention,
    SchedulingSettings.Verification verification) {

  /**
   * Replication of inference shards: a node is trusted after {@code trustAfter} agreeing verified
   * results in a row, and a trusted node's shards are still checked at random with probability
   * {@code checkFraction} (never zero).
   */
  public record Verification(int trustAfter, double checkFraction) {
    public Verification {
      if (trustAfter < 1) {
        throw new IllegalArgumentException("scheduling.verification.trustAfter must be at least 1");
      }
      if (!(checkFraction > 0 && checkFraction <= 1)) {
        throw new IllegalArgumentException(
            "scheduling.verification.checkFraction must be above 0 and at most 1");
      }
    }

    public static Verification defaults() {
      return new Verification(10, 0.1);
    }
  }

  public SchedulingSettings {
    java.util.Objects.requireNonNull(verification, "verification");
    if (jobRetention == null || jobRetention.isNegative()) {
      throw new IllegalArgumentException("scheduling.jobRetention must not be negative");
    }
    quotas = new TreeMap<>(quotas);
    for (var d :
        Map.of(
                "halfLife", halfLife,
                "passInterval", passInterval,
                "backoffBase", backoffBase,
                "backoffCap", backoffCap,
                "lostNodeGrace", lostNodeGrace,
                "placedTimeout", placedTimeout,
                "defaultMaxRuntime", defaultMaxRuntime)
            .entrySet()) {
      if (d.getValue() == null || d.getValue().isNegative() || d.getValue().isZero()) {
        throw new IllegalArgumentException("scheduling." + d.getKey() + " must be positive");
      }
    }
    if (backoffCap.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("scheduling.backoffCap must be at least backoffBase");
    }
  }

  public static SchedulingSettings defaults() {
    return new SchedulingSettings(
        Map.of(),
        Duration.ofHours(1),
        Duration.ofMillis(250),
        Duration.ofSeconds(2),
        Duration.ofMinutes(5),
        Duration.ofSeconds(15),
        Duration.ofSeconds(60),
        Duration.ofHours(24),
        Duration.ofHours(24),
        Verification.defaults());
  }

  public SchedulingSettings withQuotas(Map<String, Quota> q) {
    return new SchedulingSettings(
        q,
        halfLife,
        passInterval,
        backoffBase,
        backoffCap,
        lostNodeGrace,
        placedTimeout,
        defaultMaxRuntime,
        jobRetention,
        verification);
  }

  public SchedulingSettings withTimings(
      Duration backoff, Duration lostGrace, Duration placed, Duration pass) {
    return new SchedulingSettings(
        quotas,
        halfLife,
        pass,
        backoff,
        backoffCap.compareTo(backoff) < 0 ? backoff : backoffCap,
        lostGrace,
        placed,
        defaultMaxRuntime,
        jobRetention,
        verification);
  }

  /** These settings with finished jobs kept {@code retention} (zero: until cosigned only). */
  public SchedulingSettings withJobRetention(Duration retention) {
    return new SchedulingSettings(
        quotas,
        halfLife,
        passInterval,
        backoffBase,
        backoffCap,
        lostNodeGrace,
        placedTimeout,
        defaultMaxRuntime,
        retention,
        verification);
  }

  /** These settings with another fair-share half-life. */
  public SchedulingSettings withHalfLife(Duration h) {
    return new SchedulingSettings(
        quotas,
        h,
        passInterval,
        backoffBase,
        backoffCap,
        lostNodeGrace,
        placedTimeout,
        defaultMaxRuntime,
        jobRetention,
        verification);
  }

  /** These settings with another replication policy for inference shards. */
  public SchedulingSettings withVerification(Verification v) {
    return new SchedulingSettings(
        quotas,
        halfLife,
        passInterval,
        backoffBase,
        backoffCap,
        lostNodeGrace,
        placedTimeout,
        defaultMaxRuntime,
        jobRetention,
        v);
  }
}
