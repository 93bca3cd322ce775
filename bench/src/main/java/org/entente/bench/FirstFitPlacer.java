package org.entente.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.coordinator.scheduler.NodeSnapshot;
import org.entente.coordinator.scheduler.PendingJob;
import org.entente.coordinator.scheduler.Place;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.scheduler.RunningShard;
import org.entente.coordinator.scheduler.ShardRef;
import org.entente.coordinator.scheduler.Snapshot;

/**
 * The baseline for {@link SchedulerBench}: shards in submission order, each on the first
 * schedulable node (in snapshot order) with room and in the job's jurisdiction. No quota, fairness,
 * gangs, preemption or other rules. Each (jurisdiction, demand) keeps a cursor past the nodes that
 * could not take it: capacity only shrinks here, so this gives exactly the answer of scanning from
 * the first node every time, without the quadratic cost. Not thread-safe; one call at a time.
 */
final class FirstFitPlacer {
  private record Key(Set<String> jurisdictions, ResourceVector demand) {}

  private FirstFitPlacer() {}

  static List<Place> place(Snapshot s) {
    List<NodeSnapshot> nodes = s.nodes();
    int n = nodes.size();
    long[] gpus = new long[n];
    long[] cpus = new long[n];
    long[] memory = new long[n];
    Map<Object, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      ResourceVector c = nodes.get(i).capacity();
      gpus[i] = c.gpus();
      cpus[i] = c.cpus();
      memory[i] = c.memoryBytes();
      index.put(nodes.get(i).id(), i);
    }
    for (RunningShard r : s.running()) {
      Integer i = index.get(r.node());
      if (i != null) {
        gpus[i] -= r.resources().gpus();
        cpus[i] -= r.resources().cpus();
        memory[i] -= r.resources().memoryBytes();
      }
    }
    List<PendingJob> jobs = new ArrayList<>(s.pending());
    jobs.sort(Comparator.comparingLong(PendingJob::order).thenComparing(PendingJob::jobId));
    Map<Key, Integer> cursors = new HashMap<>();
    List<Place> placed = new ArrayList<>();
    for (PendingJob j : jobs) {
      ResourceVector d = j.demand().resources();
      Set<String> allowed = j.placement().jurisdictions();
      Key key = new Key(allowed, d);
      int at = cursors.getOrDefault(key, 0);
      for (int shard : j.shards()) {
        while (at < n
            && !(nodes.get(at).schedulable()
                && (allowed.isEmpty() || allowed.contains(nodes.get(at).id().nation()))
                && d.gpus() <= gpus[at]
                && d.cpus() <= cpus[at]
                && d.memoryBytes() <= memory[at])) {
          at++;
        }
        if (at == n) {
          break;
        }
        gpus[at] -= d.gpus();
        cpus[at] -= d.cpus();
        memory[at] -= d.memoryBytes();
        placed.add(new Place(new ShardRef(j.jobId(), shard), nodes.get(at).id(), "first fit"));
      }
      cursors.put(key, at);
    }
    return placed;
  }
}
