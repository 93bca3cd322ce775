package org.entente.coordinator.logstore;

import java.util.List;

/**
 * What a nation's witness keeps on its own disk, outside the shared tree: the last checkpoint it
 * cosigned (size and root) and the right edge of that tree, enough to check the next checkpoint's
 * root from the new entries alone. Immutable.
 *
 * @param edge the compact range's hashes (hex), per {@code CompactRange.hashes()}
 */
public record WitnessState(String logId, long size, String rootHex, List<String> edge) {
  public WitnessState {
    edge = List.copyOf(edge);
  }
}
