package org.entente.coordinator.ledger;

import java.util.Map;
import java.util.TreeMap;

/**
 * GPU-milliseconds per nation from counted (dual-signed, sealed) receipts: what its nodes
 * contributed and what its jobs consumed. Not thread-safe.
 */
public final class Accounts {
  /** One nation's totals. */
  public record Nation(long contributedGpuMs, long consumedGpuMs, long receipts) {
    public long balanceGpuMs() {
      return contributedGpuMs - consumedGpuMs;
    }
  }

  private final Map<String, long[]> byNation = new TreeMap<>();

  /** Credits {@code gpuMs} to the node's nation and charges it to the job's. */
  public void credit(String nodeNation, String chargedNation, long gpuMs) {
    long[] c = byNation.computeIfAbsent(nodeNation, k -> new long[3]);
    c[0] = Math.addExact(c[0], gpuMs);
    c[2]++;
    long[] d = byNation.computeIfAbsent(chargedNation, k -> new long[3]);
    d[1] = Math.addExact(d[1], gpuMs);
  }

  /** Every nation seen, in name order. */
  public Map<String, Nation> nations() {
    Map<String, Nation> out = new TreeMap<>();
    byNation.forEach((n, c) -> out.put(n, new Nation(c[0], c[1], c[2])));
    return out;
  }

  public Nation nation(String nation) {
    long[] c = byNation.get(nation);
    return c == null ? new Nation(0, 0, 0) : new Nation(c[0], c[1], c[2]);
  }

  /** Everything contributed, by all nations. */
  public long totalContributedGpuMs() {
    long t = 0;
    for (long[] c : byNation.values()) {
      t = Math.addExact(t, c[0]);
    }
    return t;
  }

  /** The nation's fraction of all contributions (0 when nothing is contributed yet). */
  public double share(String nation) {
    long total = totalContributedGpuMs();
    return total == 0 ? 0 : (double) nation(nation).contributedGpuMs() / total;
  }
}
