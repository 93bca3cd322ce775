package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.JobSpec;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.NodeState;
import org.entente.coordinator.model.Resources;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.scheduler.FairShareInput;
import org.entente.coordinator.scheduler.NodeId;
import org.entente.coordinator.scheduler.NodeSnapshot;
import org.entente.coordinator.scheduler.PendingJob;
import org.entente.coordinator.scheduler.Placement;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.coordinator.scheduler.RunningShard;
import org.entente.coordinator.scheduler.ShardDemand;
import org.entente.coordinator.scheduler.ShardRef;
import org.entente.coordinator.scheduler.Snapshot;

/**
 * Turns the leader's job table and the live membership into the scheduler's snapshot, and sums what
 * each nation uses now. Pure.
 */
final class SnapshotBuilder {
  private SnapshotBuilder() {}

  record Built(
      Snapshot snapshot,
      Map<String, ResourceVector> usage,
      Map<String, ResourceVector> contributed) {}

  static Built build(
      Map<String, JobEntry> table,
      Iterable<String> active,
      Map<NodeKey, NodeRecord> live,
      SchedulingSettings settings,
      FairShareState fairShare,
      Map<String, Double> ledgerShares,
      java.util.Set<String> quarantined,
      long now,
      long seed) {
    List<NodeSnapshot> nodes = new ArrayList<>(live.size());
    Map<String, ResourceVector> contributed = new TreeMap<>();
    for (NodeRecord r : live.values()) {
      NodeSnapshot n = node(r, quarantined.contains(r.nation() + "/" + r.name()));
      nodes.add(n);
      contributed.merge(r.nation(), n.capacity(), ResourceVector::plus);
    }
    List<RunningShard> running = new ArrayList<>();
    List<PendingJob> pending = new ArrayList<>();
    Map<String, ResourceVector> usage = new TreeMap<>();
    for (String id : active) {
      JobEntry e = table.get(id);
      JobRecord job = e.job;
      JobSpec spec = job.spec();
      ResourceVector each = demand(spec);
      List<Integer> waiting = new ArrayList<>();
      Map<Integer, Placement> checks = new TreeMap<>();
      boolean blocked = false;
      for (ShardRecord s : e.shards) {
        if (s.state().holdsNode()) {
          running.add(
              new RunningShard(
                  new ShardRef(id, s.index()),
                  job.nation(),
                  spec.priority(),
                  spec.gang(),
                  each,
                  nodeId(s.node()),
                  s.placedAtMs()));
          usage.merge(job.nation(), each, ResourceVector::plus);
          blocked = true;
        } else if (s.state().waiting()) {
          if (s.notBeforeMs() <= now) {
            waiting.add(s.index());
            if (s.check() != null) {
              // A replicated shard's next run: another nation than the runs so far, or at least
              // another node.
              checks.put(
                  s.index(),
                  new Placement(
                      s.check().nations(),
                      spec.placement().spread(),
                      spec.placement().labels(),
                      spec.placement().gpuModel(),
                      s.check().excludedNodes()));
            }
          } else {
            blocked = true;
          }
        }
      }
      if (waiting.isEmpty() || (spec.gang() && (blocked || waiting.size() != spec.shards()))) {
        continue;
      }
      pending.add(
          new PendingJob(
              id,
              job.nation(),
              spec.priority(),
              job.order(),
              spec.gang(),
              new ShardDemand(each, spec.resources().gpuMemoryBytes()),
              new Placement(
                  spec.placement().jurisdictions(),
                  spec.placement().spread(),
                  spec.placement().labels(),
                  spec.placement().gpuModel()),
              waiting,
              spec.shards(),
              spec.shardJurisdictions(),
              checks));
    }
    Map<String, FairShareInput> shares = fairShare.inputs(contributed, ledgerShares);
    return new Built(
        new Snapshot(nodes, running, pending, settings.quotas(), shares, seed), usage, contributed);
  }

  static ResourceVector demand(JobSpec spec) {
    return new ResourceVector(
        spec.resources().gpus(), spec.resources().cpus(), spec.resources().memoryBytes());
  }

  static NodeSnapshot node(NodeRecord r) {
    return node(r, false);
  }

  /** The node as the scheduler sees it; a quarantined node takes no new work. */
  static NodeSnapshot node(NodeRecord r, boolean quarantined) {
    Resources res = r.resources();
    long gpuMemory =
        res.gpus().stream().mapToLong(Resources.GpuRecord::memoryBytes).min().orElse(0);
    String model = res.gpus().isEmpty() ? "" : res.gpus().get(0).model();
    return new NodeSnapshot(
        new NodeId(r.nation(), r.name()),
        new ResourceVector(res.gpus().size(), res.cpuCores(), res.memoryBytes()),
        gpuMemory,
        model,
        res.labels(),
        r.state() == NodeState.ACTIVE && !quarantined);
  }

  static NodeId nodeId(String node) {
    NodeKey key = NodeKey.parse(node);
    return new NodeId(key.nation(), key.name());
  }
}
