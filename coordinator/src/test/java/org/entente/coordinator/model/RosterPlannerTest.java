package org.entente.coordinator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.entente.coordinator.model.RosterPlanner.Change;
import org.entente.coordinator.model.RosterPlanner.Versioned;
import org.junit.jupiter.api.Test;

/** The leader's roster decisions, as pure input and output. */
class RosterPlannerTest {
  private static final Resources SMALL = new Resources(8, 1L << 30, List.of(), Map.of());
  private static final Resources BIG =
      new Resources(
          64,
          512L << 30,
          List.of(new Resources.GpuRecord(0, "H200", 141L << 30)),
          Map.of("zone", "b"));
  private static final NodeKey DE_A = new NodeKey("DE", "a");
  private static final NodeKey FR_B = new NodeKey("FR", "b");
  private static final NodeKey JP_C = new NodeKey("JP", "c");

  private static NodeRecord live(NodeKey k, NodeState state, String replica, Resources r) {
    return new NodeRecord(k.nation(), k.name(), r, state, replica, 1, "s-1");
  }

  private static Versioned recorded(
      NodeKey k, NodeState state, String replica, Resources r, long first, long last, int version) {
    return new Versioned(
        new RosterEntry(k.nation(), k.name(), r, state, replica, first, last, 3), version);
  }

  @Test
  void plan_javadocExample_onlyFrBBecomesLostAtNow() {
    Map<NodeKey, NodeRecord> live = Map.of(DE_A, live(DE_A, NodeState.ACTIVE, "r1", SMALL));
    Map<NodeKey, Versioned> roster =
        Map.of(
            DE_A, recorded(DE_A, NodeState.ACTIVE, "r1", SMALL, 1, 2, 4),
            FR_B, recorded(FR_B, NodeState.ACTIVE, "r2", BIG, 1, 2, 7));

    List<Change> changes = RosterPlanner.plan(live, roster, 5, 9);

    assertThat(changes)
        .containsExactly(
            new Change(new RosterEntry("FR", "b", BIG, NodeState.LOST, "", 1, 5, 9), 7));
  }

  @Test
  void plan_liveNodeNotInRoster_createdWithNowAsFirstAndLastSeen() {
    Map<NodeKey, NodeRecord> live = Map.of(JP_C, live(JP_C, NodeState.DRAINING, "r3", BIG));

    List<Change> changes = RosterPlanner.plan(live, Map.of(), 42, 2);

    assertThat(changes)
        .containsExactly(
            new Change(new RosterEntry("JP", "c", BIG, NodeState.DRAINING, "r3", 42, 42, 2), -1));
  }

  @Test
  void plan_stateChanged_updatedAtRecordedVersionKeepingFirstSeen() {
    Map<NodeKey, NodeRecord> live = Map.of(DE_A, live(DE_A, NodeState.DRAINING, "r1", SMALL));
    Map<NodeKey, Versioned> roster =
        Map.of(DE_A, recorded(DE_A, NodeState.ACTIVE, "r1", SMALL, 10, 20, 5));

    List<Change> changes = RosterPlanner.plan(live, roster, 30, 4);

    assertThat(changes)
        .containsExactly(
            new Change(new RosterEntry("DE", "a", SMALL, NodeState.DRAINING, "r1", 10, 30, 4), 5));
  }

  @Test
  void plan_resourcesChanged_updated() {
    Map<NodeKey, NodeRecord> live = Map.of(DE_A, live(DE_A, NodeState.ACTIVE, "r1", BIG));
    Map<NodeKey, Versioned> roster =
        Map.of(DE_A, recorded(DE_A, NodeState.ACTIVE, "r1", SMALL, 10, 20, 5));

    List<Change> changes = RosterPlanner.plan(live, roster, 30, 4);

    assertThat(changes)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.entry().resources()).isEqualTo(BIG);
              assertThat(c.expectedVersion()).isEqualTo(5);
            });
  }

  @Test
  void plan_movedToAnotherReplica_updatedWithNewReplica() {
    Map<NodeKey, NodeRecord> live = Map.of(DE_A, live(DE_A, NodeState.ACTIVE, "r2", SMALL));
    Map<NodeKey, Versioned> roster =
        Map.of(DE_A, recorded(DE_A, NodeState.ACTIVE, "r1", SMALL, 10, 20, 5));

    List<Change> changes = RosterPlanner.plan(live, roster, 30, 4);

    assertThat(changes)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.entry().replica()).isEqualTo("r2");
              assertThat(c.entry().lastSeenMs()).isEqualTo(30);
            });
  }

  @Test
  void plan_lostNodeBackLive_updatedToLiveState() {
    Map<NodeKey, NodeRecord> live = Map.of(FR_B, live(FR_B, NodeState.ACTIVE, "r1", BIG));
    Map<NodeKey, Versioned> roster =
        Map.of(FR_B, recorded(FR_B, NodeState.LOST, "", BIG, 10, 20, 8));

    List<Change> changes = RosterPlanner.plan(live, roster, 50, 6);

    assertThat(changes)
        .containsExactly(
            new Change(new RosterEntry("FR", "b", BIG, NodeState.ACTIVE, "r1", 10, 50, 6), 8));
  }

  @Test
  void plan_nothingChanged_noWrites() {
    Map<NodeKey, NodeRecord> live = Map.of(DE_A, live(DE_A, NodeState.ACTIVE, "r1", SMALL));
    Map<NodeKey, Versioned> roster =
        Map.of(
            DE_A, recorded(DE_A, NodeState.ACTIVE, "r1", SMALL, 10, 20, 5),
            FR_B, recorded(FR_B, NodeState.LOST, "", BIG, 1, 2, 3));

    assertThat(RosterPlanner.plan(live, roster, 99, 7)).isEmpty();
    assertThat(RosterPlanner.plan(Map.of(), Map.of(), 99, 7)).isEmpty();
  }

  @Test
  void plan_severalChanges_inNodeKeyOrder() {
    Map<NodeKey, NodeRecord> live =
        Map.of(
            JP_C, live(JP_C, NodeState.ACTIVE, "r1", SMALL),
            DE_A, live(DE_A, NodeState.ACTIVE, "r1", SMALL));
    Map<NodeKey, Versioned> roster =
        Map.of(FR_B, recorded(FR_B, NodeState.DRAINING, "r2", BIG, 1, 2, 3));

    List<Change> changes = RosterPlanner.plan(live, roster, 10, 1);

    assertThat(changes)
        .extracting(c -> c.entry().nation() + "/" + c.entry().name() + " " + c.entry().state())
        .containsExactly("DE/a ACTIVE", "FR/b LOST", "JP/c ACTIVE");
    assertThat(changes).extracting(c -> c.entry().epoch()).containsOnly(1L);
  }
}
