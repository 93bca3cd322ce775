package org.entente.coordinator.scheduler;

import java.util.Objects;

/**
 * Kueue-style quota of one nation over the cohort (the whole pool). The nation may use {@code
 * nominal} and borrow above it up to {@code borrowingLimit} from what others leave unused; others
 * may borrow at most {@code lendingLimit} of its unused nominal. A null limit means unlimited.
 * Immutable.
 */
public record Quota(
    ResourceVector nominal, ResourceVector borrowingLimit, ResourceVector lendingLimit) {
  public Quota {
    Objects.requireNonNull(nominal, "nominal");
  }

  /** Nominal {@code nominal}, unlimited borrowing and lending. */
  public static Quota unlimited(ResourceVector nominal) {
    return new Quota(nominal, null, null);
  }
}
