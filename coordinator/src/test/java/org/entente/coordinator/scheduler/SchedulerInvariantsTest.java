package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Properties every pass keeps, checked on a busy mixed federation under several seeds. */
class SchedulerInvariantsTest {
  @Test
  void schedule_mixedFederation_everyRuleHolds() {
    for (long seed = 0; seed < 5; seed++) {
      Snapshot s = DeterminismTest.mixed(seed);
      Decisions d = Scheduler.schedule(s);

      // Every pending shard is either placed or told why it waits, once.
      Set<ShardRef> asked = new HashSet<>();
      s.pending().forEach(j -> j.shards().forEach(i -> asked.add(new ShardRef(j.jobId(), i))));
      Set<ShardRef> placed = new HashSet<>();
      d.placements().forEach(p -> assertThat(placed.add(p.shard())).isTrue());
      assertThat(placed).doesNotContainAnyElementsOf(d.pending().keySet());
      Set<ShardRef> decided = new HashSet<>(placed);
      decided.addAll(d.pending().keySet());
      assertThat(decided).isEqualTo(asked);

      // Gangs are all or nothing.
      for (PendingJob j : s.pending()) {
        if (j.gang()) {
          long in =
              j.shards().stream().filter(i -> placed.contains(new ShardRef(j.jobId(), i))).count();
          assertThat(in).isIn(0L, (long) j.shards().size());
        }
      }

      // Victims were running; after the decisions no node holds more than it has.
      Map<ShardRef, RunningShard> running = new HashMap<>();
      s.running().forEach(r -> running.put(r.ref(), r));
      Map<NodeId, ResourceVector> held = new HashMap<>();
      for (Preempt p : d.preemptions()) {
        assertThat(running).containsKey(p.victim());
        running.remove(p.victim());
      }
      running.values().forEach(r -> held.merge(r.node(), r.resources(), ResourceVector::plus));
      Map<String, PendingJob> jobs = new HashMap<>();
      s.pending().forEach(j -> jobs.put(j.jobId(), j));
      for (Place p : d.placements()) {
        held.merge(
            p.node(), jobs.get(p.shard().jobId()).demand().resources(), ResourceVector::plus);
      }
      for (NodeSnapshot n : s.nodes()) {
        assertThat(held.getOrDefault(n.id(), ResourceVector.ZERO).fitsIn(n.capacity()))
            .as("%s under seed %d", n.id(), seed)
            .isTrue();
      }
      // DE never uses more GPUs than nominal 100 + borrowing limit 20; quota binds somewhere.
      long deAfter =
          running.values().stream()
                  .filter(r -> r.nation().equals("DE"))
                  .mapToLong(r -> r.resources().gpus())
                  .sum()
              + d.placements().stream()
                  .map(p -> jobs.get(p.shard().jobId()))
                  .filter(j -> j.nation().equals("DE"))
                  .mapToLong(j -> j.demand().resources().gpus())
                  .sum();
      assertThat(deAfter).isLessThanOrEqualTo(120);
      assertThat(d.pending().values()).anyMatch(r -> r.contains("quota: "));

      // Nothing new on a node that takes no new shards.
      assertThat(d.placements()).allMatch(p -> !p.node().name().equals("n5"));
    }
  }
}
