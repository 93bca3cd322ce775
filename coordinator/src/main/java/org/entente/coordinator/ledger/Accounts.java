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

  /** One nation's CPU totals (CPU-only nodes contribute these). */
  public record Cpu(long contributedCpuMs, long consumedCpuMs) {
    public long balanceCpuMs() {
      return contributedCpuMs - consumedCpuMs;
    }
  }

  private final Map<String, long[]> byNation = new TreeMap<>();
  private final Map<String, long[]> cpuByNation = new TreeMap<>();

  /** A replicated run's contribution waiting for its verdict. */
  private record Held(String nodeNation, long gpuMs, long cpuMs) {}

  private final Map<String, Held> held = new java.util.LinkedHashMap<>();
  private final Map<String, long[]> withheld = new TreeMap<>();

  /**
   * What verification does to a nation's credit: contributions still waiting for a verdict, and
   * those never credited because the run's output was found wrong (or no quorum formed).
   */
  public record Checks(long heldGpuMs, long heldCpuMs, long withheldGpuMs, long withheldCpuMs) {}

  /**
   * Charges a replicated run to the job's nation now and holds the node's contribution until {@link
   * #release} (its output agreed) or {@link #withhold} (it did not).
   */
  public void hold(
      String receiptId, String nodeNation, String chargedNation, long gpuMs, long cpuMs) {
    long[] d = byNation.computeIfAbsent(chargedNation, k -> new long[3]);
    d[1] = Math.addExact(d[1], gpuMs);
    long[] dc = cpuByNation.computeIfAbsent(chargedNation, k -> new long[2]);
    dc[1] = Math.addExact(dc[1], cpuMs);
    byNation.computeIfAbsent(nodeNation, k -> new long[3]);
    held.put(receiptId, new Held(nodeNation, gpuMs, cpuMs));
  }

  /** Whether the receipt's contribution waits for a verdict. */
  public boolean isHeld(String receiptId) {
    return held.containsKey(receiptId);
  }

  /** Credits a held run whose output agreed; false when it was not held. */
  public boolean release(String receiptId) {
    Held h = held.remove(receiptId);
    if (h == null) {
      return false;
    }
    long[] c = byNation.computeIfAbsent(h.nodeNation(), k -> new long[3]);
    c[0] = Math.addExact(c[0], h.gpuMs());
    c[2]++;
    long[] cc = cpuByNation.computeIfAbsent(h.nodeNation(), k -> new long[2]);
    cc[0] = Math.addExact(cc[0], h.cpuMs());
    return true;
  }

  /** Drops a held run's contribution for good (the job's nation stays charged). */
  public boolean withhold(String receiptId) {
    Held h = held.remove(receiptId);
    if (h == null) {
      return false;
    }
    long[] w = withheld.computeIfAbsent(h.nodeNation(), k -> new long[2]);
    w[0] = Math.addExact(w[0], h.gpuMs());
    w[1] = Math.addExact(w[1], h.cpuMs());
    return true;
  }

  /** The nation's held and withheld contributions. */
  public Checks checks(String nation) {
    long hg = 0;
    long hc = 0;
    for (Held h : held.values()) {
      if (h.nodeNation().equals(nation)) {
        hg = Math.addExact(hg, h.gpuMs());
        hc = Math.addExact(hc, h.cpuMs());
      }
    }
    long[] w = withheld.getOrDefault(nation, new long[2]);
    return new Checks(hg, hc, w[0], w[1]);
  }

  /** Credits GPU- and CPU-milliseconds to the node's nation and charges them to the job's. */
  public void credit(String nodeNation, String chargedNation, long gpuMs, long cpuMs) {
    credit(nodeNation, chargedNation, gpuMs);
    long[] c = cpuByNation.computeIfAbsent(nodeNation, k -> new long[2]);
    c[0] = Math.addExact(c[0], cpuMs);
    long[] d = cpuByNation.computeIfAbsent(chargedNation, k -> new long[2]);
    d[1] = Math.addExact(d[1], cpuMs);
  }

  public Cpu cpu(String nation) {
    long[] c = cpuByNation.get(nation);
    return c == null ? new Cpu(0, 0) : new Cpu(c[0], c[1]);
  }

  /**
   * Fair-share weights from verified contributions: each nation's share of contributed
   * GPU-milliseconds, or of CPU-milliseconds while no GPU time is credited; empty while nothing is.
   */
  public Map<String, Double> contributionShares() {
    long gpu = 0;
    long cpu = 0;
    for (long[] c : byNation.values()) {
      gpu = Math.addExact(gpu, c[0]);
    }
    for (long[] c : cpuByNation.values()) {
      cpu = Math.addExact(cpu, c[0]);
    }
    Map<String, Double> out = new TreeMap<>();
    if (gpu > 0) {
      long total = gpu;
      byNation.forEach((n, c) -> out.put(n, (double) c[0] / total));
    } else if (cpu > 0) {
      long total = cpu;
      cpuByNation.forEach((n, c) -> out.put(n, (double) c[0] / total));
    }
    return out;
  }

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
