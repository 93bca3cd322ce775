package org.entente.coordinator.governance;

import java.util.Map;
import java.util.TreeMap;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;

/** Governed quotas in the scheduler's terms, and back. Stateless and pure. */
public final class GovernedQuotas {
  private GovernedQuotas() {}

  /** Each member's quota in the scheduler's terms. */
  public static Map<String, Quota> quotas(GovernedState s) {
    Map<String, Quota> out = new TreeMap<>();
    for (Member m : s.getMembersList()) {
      if (m.hasQuota()) {
        out.put(m.getNation(), quota(m.getQuota()));
      }
    }
    return out;
  }

  public static Quota quota(GovernedQuota q) {
    return new Quota(
        vector(q.getNominal()),
        q.hasBorrowingLimit() ? vector(q.getBorrowingLimit()) : null,
        q.hasLendingLimit() ? vector(q.getLendingLimit()) : null);
  }

  public static ResourceVector vector(Amounts a) {
    return new ResourceVector(a.getGpus(), a.getCpus(), a.getMemoryBytes());
  }

  /** The governed form of a scheduler quota. */
  public static GovernedQuota governed(Quota q) {
    GovernedQuota.Builder b = GovernedQuota.newBuilder().setNominal(amounts(q.nominal()));
    if (q.borrowingLimit() != null) {
      b.setBorrowingLimit(amounts(q.borrowingLimit()));
    }
    if (q.lendingLimit() != null) {
      b.setLendingLimit(amounts(q.lendingLimit()));
    }
    return b.build();
  }

  public static Amounts amounts(ResourceVector v) {
    return Amounts.newBuilder()
        .setGpus(v.gpus())
        .setCpus(v.cpus())
        .setMemoryBytes(v.memoryBytes())
        .build();
  }
}
