package org.entente.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.Resources;
import org.entente.coordinator.model.RosterEntry;
import org.entente.coordinator.model.RosterPlanner;
import org.entente.coordinator.zk.Json;
import org.junit.jupiter.api.Test;

/** Roster transactions stay under ZooKeeper's request limit however large the entries are. */
class RosterBatchesTest {
  private static RosterPlanner.Change change(int i, int labels) {
    Map<String, String> l = new HashMap<>();
    for (int k = 0; k < labels; k++) {
      l.put("label-" + k, "x".repeat(63));
    }
    List<Resources.GpuRecord> gpus = new ArrayList<>();
    for (int g = 0; g < 64; g++) {
      gpus.add(new Resources.GpuRecord(g, "m".repeat(64), 80L << 30));
    }
    return new RosterPlanner.Change(
        new RosterEntry(
            "DE", "n" + i, new Resources(64, 1L << 40, gpus, l), NodeState.ACTIVE, "r", 1, 2, 3),
        -1);
  }

  @Test
  void batches_largestAllowedEntries_eachUnderHalfAMegabyteAndOrderKept() {
    List<RosterPlanner.Change> changes = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      changes.add(change(i, 32));
    }

    List<List<RosterPlanner.Change>> batches = RosterKeeper.batches(changes);

    assertThat(batches).hasSizeGreaterThan(3);
    for (List<RosterPlanner.Change> b : batches) {
      long bytes = b.stream().mapToLong(c -> Json.write(c.entry()).length).sum();
      assertThat(bytes).isLessThanOrEqualTo(512 * 1024);
      assertThat(b).hasSizeLessThanOrEqualTo(200);
    }
    assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(changes);
  }

  @Test
  void batches_smallEntries_capAtTwoHundredPerTransaction() {
    List<RosterPlanner.Change> changes = new ArrayList<>();
    for (int i = 0; i < 450; i++) {
      changes.add(small(i));
    }

    List<List<RosterPlanner.Change>> batches = RosterKeeper.batches(changes);

    assertThat(batches).extracting(List::size).containsExactly(200, 200, 50);
  }

  private static RosterPlanner.Change small(int i) {
    return new RosterPlanner.Change(
        new RosterEntry(
            "FR",
            "s" + i,
            new Resources(4, 1L << 34, List.of(), Map.of()),
            NodeState.LOST,
            "",
            1,
            2,
            3),
        -1);
  }
}
