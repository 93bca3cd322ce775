package org.entente.coordinator.scheduler;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one scheduling pass looks at. Nations missing from {@code quotas} get their
 * contributed capacity as nominal with unlimited borrowing and lending; nations missing from {@code
 * fairShare} get {@link FairShareInput#NONE}. {@code seed} drives every tie-break. Immutable.
 */
public record Snapshot(
    List<NodeSnapshot> nodes,
    List<RunningShard> running,
    List<PendingJob> pending,
    Map<String, Quota> quotas,
    Map<String, FairShareInput> fairShare,
    long seed) {
  public Snapshot {
    nodes = List.copyOf(nodes);
    running = List.copyOf(running);
    pending = List.copyOf(pending);
    quotas = Collections.unmodifiableSortedMap(new TreeMap<>(quotas));
    fairShare = Collections.unmodifiableSortedMap(new TreeMap<>(fairShare));
  }
}
