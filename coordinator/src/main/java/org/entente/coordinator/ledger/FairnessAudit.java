package org.entente.coordinator.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.PlacementDecision;
import org.entente.proto.v1.SchedulingEntry;

/**
 * Recomputes from the log whether each nation was held to the quota in force when it was given
 * GPUs: replaying placements (scheduling entries) and releases (preemptions in them, and receipts
 * closing attempts), it tracks the GPUs each nation's jobs held after every pass and compares them
 * with that pass's own policy: nominal plus borrowing limit (no limit when the policy sets none).
 * Not thread-safe.
 */
public final class FairnessAudit {
  /** What one nation was given. */
  public record Nation(long passes, long placements, long maxGpusHeld, long ceilingExceeded) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String[]> open = new HashMap<>(); // receipt id -> {nation, gpus}
  private final Map<String, long[]> held = new TreeMap<>();
  private final Map<String, long[]> stats = new TreeMap<>();
  private final List<Problem> problems = new ArrayList<>();

  void scheduling(long index, SchedulingEntry s) {
    JsonNode quotas;
    try {
      quotas = JSON.readTree(s.getPolicyJson()).path("quotas");
    } catch (java.io.IOException e) {
      problems.add(new Problem(index, "fairness-policy", "the policy is not JSON"));
      return;
    }
    java.util.Set<String> touched = new java.util.TreeSet<>();
    for (PlacementDecision d : s.getPlacementsList()) {
      String id = ReceiptIds.of(d.getJobId(), d.getShard(), d.getAttempt());
      if (d.getAction().equals("place")) {
        if (open.put(id, new String[] {d.getChargedNation(), Long.toString(d.getGpus())}) == null) {
          add(d.getChargedNation(), d.getGpus());
          stat(d.getChargedNation())[1]++;
        }
      } else {
        release(id);
      }
      touched.add(d.getChargedNation());
    }
    for (String nation : touched) {
      long[] st = stat(nation);
      st[0]++;
      long now = held.getOrDefault(nation, new long[1])[0];
      st[2] = Math.max(st[2], now);
      JsonNode q = quotas.path(nation);
      if (q.isMissingNode() || q.isNull()) {
        continue; // no quota configured: the nation's contributed capacity bounds it
      }
      long nominal = q.path("nominal").path("gpus").asLong(0);
      JsonNode borrow = q.path("borrowingLimit");
      if (borrow.isMissingNode() || borrow.isNull()) {
        continue;
      }
      long ceiling = nominal + borrow.path("gpus").asLong(0);
      if (now > ceiling) {
        st[3]++;
        problems.add(
            new Problem(
                index,
                "fairness-quota",
                nation
                    + " held "
                    + now
                    + " GPUs after this pass, above its ceiling of "
                    + ceiling
                    + " (nominal "
                    + nominal
                    + " + borrowing "
                    + (ceiling - nominal)
                    + ")"));
      }
    }
  }

  void closed(Observation o) {
    release(o.getReceiptId());
  }

  private void release(String id) {
    String[] was = open.remove(id);
    if (was != null) {
      add(was[0], -Long.parseLong(was[1]));
    }
  }

  private void add(String nation, long gpus) {
    held.computeIfAbsent(nation, k -> new long[1])[0] += gpus;
  }

  private long[] stat(String nation) {
    return stats.computeIfAbsent(nation, k -> new long[4]);
  }

  public Map<String, Nation> nations() {
    Map<String, Nation> out = new TreeMap<>();
    stats.forEach((n, s) -> out.put(n, new Nation(s[0], s[1], s[2], s[3])));
    return out;
  }

  public List<Problem> problems() {
    return List.copyOf(problems);
  }
}
