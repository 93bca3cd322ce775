package org.entente.coordinator.model;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A replicated inference shard between runs: the successful runs so far, where the next run may go
 * (its nations, and nodes it must avoid because they ran it already), and whether the job's rules
 * kept every run in one nation. Stored in the shard record. Immutable.
 */
public record CheckState(
    List<RunOutput> runs, Set<String> nations, Set<String> excludedNodes, boolean sameNation) {
  public CheckState {
    runs = List.copyOf(runs);
    nations = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(nations));
    excludedNodes = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(excludedNodes));
  }
}
