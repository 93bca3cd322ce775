package org.entente.coordinator.scheduler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kueue-style quota of every nation over one cohort (the whole pool), per resource. A nation may
 * always use up to its nominal; usage above nominal is borrowed, and is admitted only while the
 * nation stays within nominal + borrowing limit and the cohort's total borrowing stays within what
 * it can lend: the sum over nations of min(lending limit, unused nominal). Totals are kept
 * incrementally so that a check costs O(1). Not thread-safe; owned by one {@link SchedulingPass}.
 */
final class CohortQuota {
  private static final int R = ResourceVector.DIMENSIONS;

  private final List<String> names;
  private final Map<String, Integer> indexes = new HashMap<>();
  private final long[][] nominal;
  private final long[][] borrowingLimit;
  private final long[][] lendingLimit;
  private final long[][] usage;
  private final long[] borrowed = new long[R];
  private final long[] lendable = new long[R];

  /**
   * @param names every nation, sorted
   * @param quotas explicit quotas; nations without one get {@code contributed} as nominal with no
   *     limits
   */
  CohortQuota(
      List<String> names, Map<String, Quota> quotas, Map<String, ResourceVector> contributed) {
    this.names = List.copyOf(names);
    int n = names.size();
    nominal = new long[n][R];
    borrowingLimit = new long[n][R];
    lendingLimit = new long[n][R];
    usage = new long[n][R];
    for (int i = 0; i < n; i++) {
      String name = names.get(i);
      indexes.put(name, i);
      Quota q = quotas.get(name);
      if (q == null) {
        q = Quota.unlimited(contributed.getOrDefault(name, ResourceVector.ZERO));
      }
      for (int r = 0; r < R; r++) {
        nominal[i][r] = q.nominal().component(r);
        borrowingLimit[i][r] =
            q.borrowingLimit() == null ? Long.MAX_VALUE : q.borrowingLimit().component(r);
        lendingLimit[i][r] =
            q.lendingLimit() == null ? Long.MAX_VALUE : q.lendingLimit().component(r);
        lendable[r] = Math.addExact(lendable[r], lends(i, r, 0));
      }
    }
  }

  int index(String nation) {
    Integer i = indexes.get(nation);
    if (i == null) {
      throw new IllegalArgumentException("unknown nation " + nation);
    }
    return i;
  }

  String name(int nation) {
    return names.get(nation);
  }

  int size() {
    return names.size();
  }

  long usage(int nation, int r) {
    return usage[nation][r];
  }

  long nominal(int nation, int r) {
    return nominal[nation][r];
  }

  /** Adds ({@code sign} = +1) or removes ({@code sign} = -1) usage of {@code nation}. */
  void adjust(int nation, ResourceVector amount, int sign) {
    for (int r = 0; r < R; r++) {
      long a = amount.component(r);
      if (a == 0) {
        continue;
      }
      long u = usage[nation][r];
      borrowed[r] -= borrows(nation, r, u);
      lendable[r] -= lends(nation, r, u);
      u = Math.addExact(u, sign * a);
      usage[nation][r] = u;
      borrowed[r] += borrows(nation, r, u);
      lendable[r] += lends(nation, r, u);
    }
  }

  /**
   * Why {@code nation} may not add {@code need} after giving back {@code released}, or null when it
   * may.
   */
  String rejection(int nation, ResourceVector need, ResourceVector released) {
    for (int r = 0; r < R; r++) {
      long u = usage[nation][r];
      long next = Math.addExact(u - released.component(r), need.component(r));
      if (next <= u) {
        continue;
      }
      long nom = nominal[nation][r];
      long ceiling = saturatingAdd(nom, borrowingLimit[nation][r]);
      if (next > ceiling) {
        return "quota: "
            + name(nation)
            + " would use "
            + ResourceVector.describe(r, next)
            + "; nominal "
            + ResourceVector.amount(r, nom)
            + " + borrowing limit "
            + ResourceVector.amount(r, borrowingLimit[nation][r]);
      }
      long more = borrows(nation, r, next) - borrows(nation, r, u);
      if (more > 0) {
        long othersLend = lendable[r] - lends(nation, r, u);
        long othersBorrow = borrowed[r] - borrows(nation, r, u);
        long room = othersLend - othersBorrow;
        if (borrows(nation, r, next) > room) {
          return "quota: "
              + name(nation)
              + " would borrow "
              + ResourceVector.describe(r, borrows(nation, r, next))
              + " above its nominal "
              + ResourceVector.amount(r, nom)
              + ", but the cohort can lend only "
              + ResourceVector.amount(r, Math.max(0, room))
              + " ("
              + ResourceVector.amount(r, othersLend)
              + " unused and lendable by others, "
              + ResourceVector.amount(r, othersBorrow)
              + " borrowed by others)";
        }
      }
    }
    return null;
  }

  /** Whether {@code nation} stays within nominal in every resource that {@code need} uses. */
  boolean withinNominalAfter(int nation, ResourceVector need) {
    for (int r = 0; r < R; r++) {
      long a = need.component(r);
      if (a > 0 && Math.addExact(usage[nation][r], a) > nominal[nation][r]) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code nation} uses more than its nominal of resource {@code r}. */
  boolean borrows(int nation, int r) {
    return usage[nation][r] > nominal[nation][r];
  }

  private long borrows(int nation, int r, long u) {
    return Math.max(0, u - nominal[nation][r]);
  }

  private long lends(int nation, int r, long u) {
    return Math.min(lendingLimit[nation][r], Math.max(0, nominal[nation][r] - u));
  }

  private static long saturatingAdd(long a, long b) {
    long s = a + b;
    return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
  }
}
