package org.entente.cli.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.entente.cli.job.ByteQuantity;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;

/**
 * {@code scheduling:} block of {@code coordinator.yaml}: quotas per nation, fair-share half-life,
 * the leader's timings and how long finished jobs stay listed. Every field is optional. Immutable.
 */
public record SchedulingConfig(
    @JsonProperty("halfLife") Duration halfLife,
    @JsonProperty("passInterval") Duration passInterval,
    @JsonProperty("backoffBase") Duration backoffBase,
    @JsonProperty("backoffCap") Duration backoffCap,
    @JsonProperty("lostNodeGrace") Duration lostNodeGrace,
    @JsonProperty("placedTimeout") Duration placedTimeout,
    @JsonProperty("defaultMaxRuntime") Duration defaultMaxRuntime,
    @JsonProperty("jobRetention") Duration jobRetention,
    @JsonProperty("verification") VerificationConfig verification,
    @JsonProperty("quotas") Map<String, QuotaConfig> quotas) {

  /** How inference shards are replicated; fields left out take the defaults. */
  public record VerificationConfig(
      @JsonProperty("trustAfter") Integer trustAfter,
      @JsonProperty("checkFraction") Double checkFraction) {}

  /** One nation's quota; limits left out are unlimited. */
  public record QuotaConfig(
      @JsonProperty(value = "nominal", required = true) Amounts nominal,
      @JsonProperty("borrowingLimit") Amounts borrowingLimit,
      @JsonProperty("lendingLimit") Amounts lendingLimit) {}

  /** Resource amounts: GPUs, CPUs, memory as a byte quantity ({@code 64Gi}). */
  public record Amounts(
      @JsonProperty("gpus") Long gpus,
      @JsonProperty("cpus") Long cpus,
      @JsonProperty("memory") String memory) {
    ResourceVector toVector(String field) {
      long mem;
      try {
        mem = memory == null ? 0 : ByteQuantity.parse(memory);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + ".memory: " + e.getMessage());
      }
      long g = gpus == null ? 0 : gpus;
      long c = cpus == null ? 0 : cpus;
      if (g < 0 || c < 0) {
        throw new IllegalArgumentException(field + ": amounts must not be negative");
      }
      return new ResourceVector(g, c, mem);
    }
  }

  SchedulingSettings toSettings() {
    // Governed once the federation is founded: a replica's own file must not decide them.
    for (var g :
        java.util.Map.of(
                "quotas",
                quotas != null,
                "halfLife",
                halfLife != null,
                "verification",
                verification != null)
            .entrySet()) {
      if (g.getValue()) {
        throw new IllegalArgumentException(
            "scheduling."
                + g.getKey()
                + " is governed, not configured: the founding value goes in the genesis (entente"
                + " gov genesis draft), later changes are proposals (entente gov propose"
                + " set-quota / set-policy)");
      }
    }
    SchedulingSettings d = SchedulingSettings.defaults();
    Map<String, Quota> q = new TreeMap<>();
    if (quotas != null) {
      for (var e : quotas.entrySet()) {
        String nation = e.getKey();
        if (!nation.matches("[A-Z]{2,3}")) {
          throw new IllegalArgumentException(
              "scheduling.quotas." + nation + ": a nation code is 2-3 capital letters");
        }
        String at = "scheduling.quotas." + nation;
        QuotaConfig c = e.getValue();
        q.put(
            nation,
            new Quota(
                c.nominal().toVector(at + ".nominal"),
                c.borrowingLimit() == null
                    ? null
                    : c.borrowingLimit().toVector(at + ".borrowingLimit"),
                c.lendingLimit() == null ? null : c.lendingLimit().toVector(at + ".lendingLimit")));
      }
    }
    return new SchedulingSettings(
        q,
        or(halfLife, d.halfLife()),
        or(passInterval, d.passInterval()),
        or(backoffBase, d.backoffBase()),
        or(backoffCap, d.backoffCap()),
        or(lostNodeGrace, d.lostNodeGrace()),
        or(placedTimeout, d.placedTimeout()),
        or(defaultMaxRuntime, d.defaultMaxRuntime()),
        or(jobRetention, d.jobRetention()),
        verification == null
            ? d.verification()
            : new SchedulingSettings.Verification(
                or(verification.trustAfter(), d.verification().trustAfter()),
                or(verification.checkFraction(), d.verification().checkFraction())));
  }

  private static <T> T or(T v, T fallback) {
    return v == null ? fallback : v;
  }
}
