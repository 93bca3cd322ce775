package org.entente.coordinator.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one pass decided, in the order it decided it: placements, preemptions, and for every pending
 * shard left unplaced, why it waits. Immutable.
 */
public record Decisions(
    List<Place> placements, List<Preempt> preemptions, Map<ShardRef, String> pending) {
  public Decisions {
    placements = List.copyOf(placements);
    preemptions = List.copyOf(preemptions);
    pending = Collections.unmodifiableMap(new LinkedHashMap<>(pending));
  }
}
