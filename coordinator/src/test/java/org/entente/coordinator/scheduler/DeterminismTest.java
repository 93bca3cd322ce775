package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.entente.coordinator.scheduler.SnapshotFixture.GIB;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Same snapshot, same decisions; the seed changes only which of equal nodes is taken. */
class DeterminismTest {
  private static final List<String> NATIONS = List.of("DE", "FR", "JP");

  /** A busy mixed federation: gangs, spread, jurisdictions, labels, quotas, running shards. */
  static Snapshot mixed(long seed) {
    SplittableRandom rnd = new SplittableRandom(7);
    List<NodeSnapshot> nodes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String nation = NATIONS.get(i % 3);
      boolean a100 = rnd.nextInt(3) == 0;
      nodes.add(
          new NodeSnapshot(
              new NodeId(nation, "n" + i),
              new ResourceVector(8, 64, 512 * GIB),
              a100 ? 40 * GIB : 80 * GIB,
              a100 ? "A100" : "H100",
              rnd.nextInt(4) == 0 ? Map.of("zone", "secure") : Map.of(),
              i != 5));
    }
    List<RunningShard> running = new ArrayList<>();
    Map<NodeId, Long> used = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      NodeSnapshot n = nodes.get(rnd.nextInt(nodes.size()));
      long g = 1 + rnd.nextInt(3);
      if (used.getOrDefault(n.id(), 0L) + g > 8) {
        continue;
      }
      used.merge(n.id(), g, Long::sum);
      String nation = NATIONS.get(rnd.nextInt(3));
      running.add(
          new RunningShard(
              new ShardRef("r" + i, 0),
              nation,
              rnd.nextInt(4),
              false,
              SnapshotFixture.gpus(g),
              n.id(),
              i));
    }
    List<PendingJob> pending = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      boolean gang = rnd.nextInt(8) == 0;
      int shards = gang ? 2 + rnd.nextInt(7) : 1 + rnd.nextInt(3);
      Set<String> jurisdiction =
          rnd.nextInt(5) == 0 ? Set.of(NATIONS.get(rnd.nextInt(3))) : Set.of();
      Placement p =
          new Placement(
              jurisdiction,
              rnd.nextInt(10) == 0,
              rnd.nextInt(10) == 0 ? Map.of("zone", "secure") : Map.of(),
              rnd.nextInt(10) == 0 ? "a100" : "");
      pending.add(
          new PendingJob(
              "p" + i,
              NATIONS.get(rnd.nextInt(3)),
              rnd.nextInt(6),
              i,
              gang,
              new ShardDemand(
                  SnapshotFixture.gpus(1 + rnd.nextInt(2)), rnd.nextInt(6) == 0 ? 80 * GIB : 0),
              p,
              IntStream.range(0, shards).boxed().toList(),
              shards));
    }
    Map<String, Quota> quotas = new TreeMap<>();
    quotas.put("DE", SnapshotFixture.gpuQuota(100, 20L, 30L));
    quotas.put("FR", SnapshotFixture.gpuQuota(80, null, null));
    Map<String, FairShareInput> fair = new TreeMap<>();
    fair.put("JP", new FairShareInput(50_000, 0, 0, 2));
    return new Snapshot(nodes, running, pending, quotas, fair, seed);
  }

  @Test
  void schedule_sameSnapshotTwice_equalDecisions() {
    Decisions first = Scheduler.schedule(mixed(42));
    Decisions second = Scheduler.schedule(mixed(42));
    assertThat(first.placements()).isNotEmpty();
    assertThat(first.pending()).isNotEmpty();
    assertThat(first.preemptions()).isNotEmpty();
    assertThat(second).isEqualTo(first);
    assertThat(List.copyOf(second.pending().entrySet()))
        .isEqualTo(List.copyOf(first.pending().entrySet()));
  }

  @Test
  void schedule_inputListsShuffled_equalDecisions() {
    Snapshot s = mixed(42);
    List<NodeSnapshot> nodes = new ArrayList<>(s.nodes());
    List<RunningShard> running = new ArrayList<>(s.running());
    List<PendingJob> pending = new ArrayList<>(s.pending());
    Random shuffle = new Random(3);
    Collections.shuffle(nodes, shuffle);
    Collections.shuffle(running, shuffle);
    Collections.shuffle(pending, shuffle);
    Snapshot shuffled = new Snapshot(nodes, running, pending, s.quotas(), s.fairShare(), s.seed());
    assertThat(Scheduler.schedule(shuffled)).isEqualTo(Scheduler.schedule(s));
  }

  @Test
  void schedule_otherSeed_sameShardsPlacedOnOtherEqualNodes() {
    SnapshotFixture f = new SnapshotFixture();
    for (int i = 0; i < 10; i++) {
      f.node("DE", "n" + i, 8);
    }
    f.job("j", "DE", 0, 1, 8);
    Set<NodeId> chosen = new java.util.TreeSet<>();
    Set<ShardRef> placedFirst = null;
    for (long seed = 0; seed < 10; seed++) {
      Decisions d = f.seed(seed).schedule();
      Set<ShardRef> placed = d.placements().stream().map(Place::shard).collect(Collectors.toSet());
      if (placedFirst == null) {
        placedFirst = placed;
      }
      assertThat(placed).isEqualTo(placedFirst);
      chosen.add(d.placements().get(0).node());
    }
    assertThat(chosen).hasSizeGreaterThan(1);
  }
}
