package org.entente.coordinator.ledger;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.entente.proto.v1.QuarantineEntry;
import org.entente.proto.v1.RunOutput;
import org.entente.proto.v1.VerificationEntry;

/**
 * Every node's track record, derived from the log alone so every replica and auditor computes the
 * same one: its run of agreeing verified results (reset by a wrong one or a release), and whether
 * it is quarantined and why. Not thread-safe.
 */
public final class TrackRecords {
  /** One node's record. */
  public record Track(int agreeingRun, long agreedTotal, long wrongTotal, String quarantine) {
    public boolean quarantined() {
      return quarantine != null;
    }
  }

  private final Map<String, int[]> streaks = new HashMap<>();
  private final Map<String, long[]> totals = new HashMap<>();
  private final Map<String, String> quarantined = new TreeMap<>();

  /**
   * Applies a verdict (sealed): agreeing nodes extend their run; wrong nodes lose it, and so does
   * every node of a disagreement, at once, before the majority is known.
   */
  public void verdict(VerificationEntry v) {
    Map<String, String> nodeOf = new HashMap<>();
    for (RunOutput r : v.getRunsList()) {
      nodeOf.put(r.getReceiptId(), r.getNode());
      if (v.getOutcome().equals("disagreement")) {
        streaks.remove(r.getNode());
      }
    }
    for (String id : v.getAgreeingReceiptsList()) {
      String node = nodeOf.get(id);
      if (node != null) {
        streaks.computeIfAbsent(node, k -> new int[1])[0]++;
        totals.computeIfAbsent(node, k -> new long[2])[0]++;
      }
    }
    for (String id : v.getWrongReceiptsList()) {
      String node = nodeOf.get(id);
      if (node != null) {
        streaks.computeIfAbsent(node, k -> new int[1])[0] = 0;
        totals.computeIfAbsent(node, k -> new long[2])[1]++;
      }
    }
  }

  /** Applies a quarantine or a release. */
  public void quarantine(QuarantineEntry q) {
    if (q.getQuarantined()) {
      quarantined.put(q.getNode(), q.getReason());
    } else {
      quarantined.remove(q.getNode());
      streaks.remove(q.getNode()); // a released node earns its record again
    }
  }

  /** Whether the node has at least {@code trustAfter} agreeing results in a row, unquarantined. */
  public boolean trusted(String node, int trustAfter) {
    int[] s = streaks.get(node);
    return s != null && s[0] >= trustAfter && !quarantined.containsKey(node);
  }

  public boolean quarantined(String node) {
    return quarantined.containsKey(node);
  }

  /** Quarantined nodes, in name order. */
  public Set<String> quarantinedNodes() {
    return new TreeSet<>(quarantined.keySet());
  }

  public Track of(String node) {
    int[] s = streaks.get(node);
    long[] t = totals.getOrDefault(node, new long[2]);
    return new Track(s == null ? 0 : s[0], t[0], t[1], quarantined.get(node));
  }

  /** Every node with a record, in name order. */
  public Map<String, Track> all() {
    Set<String> nodes = new TreeSet<>(streaks.keySet());
    nodes.addAll(totals.keySet());
    nodes.addAll(quarantined.keySet());
    Map<String, Track> out = new TreeMap<>();
    nodes.forEach(n -> out.put(n, of(n)));
    return out;
  }
}
