package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Shards pinned to the nation of the data partition they read (data residency per shard). */
class SchedulerPartitionTest {
  private static PendingJob pinned(String id, boolean gang, Map<Integer, String> where) {
    return new PendingJob(
        id,
        "DE",
        0,
        0,
        gang,
        new ShardDemand(SnapshotFixture.gpus(1), 0),
        Placement.ANY,
        List.of(0, 1, 2),
        3,
        where);
  }

  private static Map<Integer, String> nationOf(Decisions d) {
    return d.placements().stream()
        .collect(Collectors.toMap(p -> p.shard().index(), p -> p.node().nation()));
  }

  @Test
  void schedule_pinnedShards_eachRunsInItsPartitionsNation() {
    // FR has the emptiest, biggest node: without pins best fit would not pick these nations.
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 2)
            .node("FR", "b", 8)
            .node("JP", "c", 2)
            .job(pinned("j", false, Map.of(0, "JP", 1, "DE", 2, "JP")))
            .schedule();
    assertThat(nationOf(d)).isEqualTo(Map.of(0, "JP", 1, "DE", 2, "JP"));
    assertThat(d.pending()).isEmpty();
  }

  @Test
  void schedule_pinnedNationFull_onlyThatShardWaitsAndSaysWhy() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 1)
            .node("FR", "b", 8)
            .job(pinned("j", false, Map.of(0, "DE", 1, "DE", 2, "FR")))
            .schedule();
    assertThat(nationOf(d)).containsEntry(2, "FR").hasSize(2);
    ShardRef waiting =
        d.pending().keySet().stream().filter(r -> r.jobId().equals("j")).findFirst().orElseThrow();
    assertThat(d.pending().get(waiting)).contains("jurisdiction").contains("[DE]");
  }

  @Test
  void schedule_pinnedGang_allOrNothing() {
    Decisions d =
        new SnapshotFixture()
            .node("DE", "a", 8)
            .node("FR", "b", 8)
            .job(pinned("g", true, Map.of(0, "DE", 1, "FR", 2, "JP")))
            .schedule();
    assertThat(d.placements()).isEmpty();
    assertThat(d.pending()).hasSize(3);
    assertThat(d.pending().get(new ShardRef("g", 0))).contains("gang of 3");
  }

  @Test
  void pendingJob_pinOutsideJobJurisdiction_refused() {
    assertThatThrownBy(
            () ->
                new PendingJob(
                    "j",
                    "DE",
                    0,
                    0,
                    false,
                    new ShardDemand(SnapshotFixture.gpus(1), 0),
                    new Placement(Set.of("DE"), false, Map.of(), ""),
                    List.of(0),
                    1,
                    Map.of(0, "FR")))
        .hasMessageContaining("pinned to FR");
  }
}
