package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;

/**
 * Decides which shards to take back from their nodes: the node has been gone (no presence, or LOST)
 * for longer than the grace period; the agent never started a placed shard; or a shard ran past its
 * maximum runtime (the agent enforces it first, this is the backstop). Pure: the only state is
 * {@code goneSince}, which the caller owns and this updates.
 */
final class RecoveryPlanner {
  private RecoveryPlanner() {}

  /** Take {@code shard} of {@code jobId} back. */
  record Requeue(String jobId, int shard, String reason, boolean countsAsRetry) {}

  static List<Requeue> plan(
      List<JobLifecycle.Job> jobs,
      Map<NodeKey, NodeRecord> live,
      Map<NodeKey, Long> goneSince,
      long now,
      SchedulingSettings settings,
      long defaultMaxRuntimeMs) {
    long grace = settings.lostNodeGrace().toMillis();
    List<Requeue> out = new ArrayList<>();
    Set<NodeKey> seen = new HashSet<>();
    for (JobLifecycle.Job job : jobs) {
      long maxRuntime =
          job.record().spec().maxRuntimeMs() > 0
              ? job.record().spec().maxRuntimeMs()
              : defaultMaxRuntimeMs;
      for (ShardRecord s : job.shards()) {
        if (!s.state().holdsNode()) {
          continue;
        }
        NodeKey node = NodeKey.parse(s.node());
        seen.add(node);
        NodeRecord r = live.get(node);
        boolean gone = r == null || r.state() == NodeState.LOST;
        if (gone) {
          long since = goneSince.computeIfAbsent(node, k -> now);
          if (now - since >= grace) {
            out.add(
                new Requeue(
                    job.record().id(),
                    s.index(),
                    "node "
                        + node
                        + (r == null ? " disconnected" : " stopped heartbeating")
                        + " "
                        + (now - since) / 1000
                        + " s ago",
                    true));
          }
          continue;
        }
        goneSince.remove(node);
        if (s.state() == ShardState.PLACED
            && now - s.placedAtMs() > settings.placedTimeout().toMillis()) {
          out.add(
              new Requeue(
                  job.record().id(),
                  s.index(),
                  "node "
                      + node
                      + " did not start attempt "
                      + s.attempt()
                      + " within "
                      + settings.placedTimeout().toSeconds()
                      + " s",
                  true));
        } else if (s.state() == ShardState.RUNNING && now - s.startedAtMs() > maxRuntime + grace) {
          out.add(
              new Requeue(
                  job.record().id(),
                  s.index(),
                  "attempt "
                      + s.attempt()
                      + " exceeded its maximum runtime of "
                      + maxRuntime / 1000
                      + " s",
                  true));
        }
      }
    }
    goneSince.keySet().retainAll(seen);
    return out;
  }
}
