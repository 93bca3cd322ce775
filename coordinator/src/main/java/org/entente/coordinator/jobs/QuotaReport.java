package org.entente.coordinator.jobs;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.scheduler.FairShareInput;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.scheduler.UsageDecay;
import org.entente.coordinator.zk.Json;
import org.entente.proto.v1.GetQuotasResponse;
import org.entente.proto.v1.NationQuota;

/**
 * What {@code entente quotas} shows: each nation's quota as the leader applies it (from its config,
 * or the nation's contributed capacity), what it uses now, what it borrows, and its fair share.
 * Pure.
 */
public final class QuotaReport {
  private QuotaReport() {}

  public static GetQuotasResponse build(
      Set<String> members,
      byte[] storedState,
      Map<String, ResourceVector> usage,
      Map<NodeKey, NodeRecord> live) {
    FairShareState.Stored stored =
        storedState == null || storedState.length == 0
            ? null
            : Json.read(storedState, FairShareState.Stored.class);
    Map<String, ResourceVector> contributed = new TreeMap<>();
    ResourceVector pool = ResourceVector.ZERO;
    for (NodeRecord r : live.values()) {
      ResourceVector c = SnapshotBuilder.node(r).capacity();
      contributed.merge(r.nation(), c, ResourceVector::plus);
      pool = pool.plus(c);
    }
    long halfLife = stored == null ? 3_600_000 : stored.halfLifeMs();
    GetQuotasResponse.Builder b = GetQuotasResponse.newBuilder().setHalfLifeMs(halfLife);
    for (String nation : members) {
      ResourceVector mine = contributed.getOrDefault(nation, ResourceVector.ZERO);
      Quota configured =
          stored == null || stored.quotas() == null ? null : stored.quotas().get(nation);
      Quota q = configured != null ? configured : Quota.unlimited(mine);
      ResourceVector used = usage.getOrDefault(nation, ResourceVector.ZERO);
      double[] decayed =
          stored == null || stored.decayed() == null || !stored.decayed().containsKey(nation)
              ? new double[3]
              : stored.decayed().get(nation);
      double weight = FairShareState.weight(nation, contributed);
      NationQuota.Builder n =
          NationQuota.newBuilder()
              .setNation(nation)
              .setNominal(JobProtos.amounts(q.nominal()))
              .setUsage(JobProtos.amounts(used))
              .setBorrowed(JobProtos.amounts(above(used, q.nominal())))
              .setContributed(JobProtos.amounts(mine))
              .setWeight(weight)
              .setDominantShare(
                  dominantShare(new FairShareInput(decayed, weight), used, pool, halfLife))
              .setSource(configured != null ? "governed" : "contributed");
      if (q.borrowingLimit() != null) {
        n.setBorrowingLimit(JobProtos.amounts(q.borrowingLimit()));
      }
      if (q.lendingLimit() != null) {
        n.setLendingLimit(JobProtos.amounts(q.lendingLimit()));
      }
      b.addNations(n);
    }
    return b.build();
  }

  static ResourceVector above(ResourceVector used, ResourceVector nominal) {
    return new ResourceVector(
        Math.max(0, used.gpus() - nominal.gpus()),
        Math.max(0, used.cpus() - nominal.cpus()),
        Math.max(0, used.memoryBytes() - nominal.memoryBytes()));
  }

  /**
   * Per resource, average decayed usage plus usage now, over the pool; the largest of them, divided
   * by the weight: the figure the scheduler orders nations by.
   */
  static double dominantShare(
      FairShareInput f, ResourceVector used, ResourceVector pool, long halfLifeMs) {
    double tau = UsageDecay.horizonSeconds(halfLifeMs);
    double[] u = f.decayedUsage();
    double share = 0;
    long[] cap = {pool.gpus(), pool.cpus(), pool.memoryBytes()};
    long[] now = {used.gpus(), used.cpus(), used.memoryBytes()};
    for (int r = 0; r < 3; r++) {
      if (cap[r] > 0) {
        share = Math.max(share, (u[r] / tau + now[r]) / cap[r]);
      }
    }
    return share / f.weight();
  }
}
