package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.membership.FederationView;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.ShardState;
import org.entente.coordinator.scheduler.Decisions;
import org.entente.coordinator.scheduler.Place;
import org.entente.coordinator.scheduler.Preempt;
import org.entente.coordinator.scheduler.Scheduler;
import org.entente.coordinator.scheduler.ShardRef;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.PlacementDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's pass, its scheduling half (split from {@link JobLeader}): requeue the shards of lost
 * nodes, run the scheduler on the job table and apply its decisions, and keep the decayed
 * fair-share usage. Holds what one leader term remembers between passes (when each node went away,
 * the usage history, when reasons and usage were last written). Not thread-safe; owned by the
 * leader's loop, one per term.
 */
final class SchedulingStep {
  private static final Logger log = LoggerFactory.getLogger(SchedulingStep.class);
  private static final long REASON_FLUSH_MS = 2_000;
  private static final long PERSIST_MS = 5_000;
  private static final long RECOVERY_EVERY_MS = 500;

  private final CuratorFramework zk;
  private final FederationView view;
  private final java.util.function.Supplier<SchedulingSettings> governed;
  private SchedulingSettings settings;
  private final CoordinatorMetrics metrics;
  // The old leader's view of absent nodes died with it: every node gets the full grace period
  // again before its shards are requeued.
  private final Map<NodeKey, Long> goneSince = new HashMap<>();
  private FairShareState fairShare;
  private long lastRecovery;
  private long lastReasonFlush;
  private long lastPersist;

  SchedulingStep(
      CuratorFramework zk,
      FederationView view,
      java.util.function.Supplier<SchedulingSettings> settings,
      CoordinatorMetrics metrics,
      FairShareState fairShare,
      long now) {
    this.zk = zk;
    this.view = view;
    this.governed = settings;
    this.settings = settings.get();
    this.metrics = metrics;
    this.fairShare = fairShare;
    this.lastPersist = now;
  }

  static JobLifecycle.Backoff backoff(SchedulingSettings settings) {
    return new JobLifecycle.Backoff(
        settings.backoffBase().toMillis(), settings.backoffCap().toMillis());
  }

  /** Requeues the shards of nodes gone past their grace period (at most every 500 ms). */
  void recover(WriteBatch batch, JobTable table, LedgerDuties ledger, long epoch, long now)
      throws Exception {
    settings = governed.get(); // quotas and policy as governance last decided
    if (now - lastRecovery < RECOVERY_EVERY_MS) {
      return; // grace periods are seconds long; looking every pass would only cost time
    }
    lastRecovery = now;
    Map<NodeKey, NodeRecord> live = view.liveNodes();
    List<RecoveryPlanner.Requeue> plan =
        RecoveryPlanner.plan(
            table.activeJobs(),
            live,
            goneSince,
            now,
            settings,
            settings.defaultMaxRuntime().toMillis());
    JobLifecycle.Backoff backoff = backoff(settings);
    for (RecoveryPlanner.Requeue r : plan) {
      JobEntry e = table.get(r.jobId());
      if (e == null || !e.shards[r.shard()].state().holdsNode()) {
        continue; // an earlier requeue of the same gang moved it already
      }
      ShardRecord s = e.shards[r.shard()];
      NodeRecord holder = s.node().isEmpty() ? null : live.get(NodeKey.parse(s.node()));
      if (holder == null || holder.state() == org.entente.coordinator.model.NodeState.LOST) {
        // The node is gone: its receipt may never come, and the leader does not credit alone.
        ledger.closeLeaderOnly(e, s, now, epoch, "node lost: " + r.reason());
      }
      JobLifecycle.Change change =
          JobLifecycle.requeue(
              e.view(), r.shard(), r.reason(), r.countsAsRetry(), now, epoch, backoff);
      log.info("requeue {}/{}: {}", r.jobId(), r.shard(), r.reason());
      metrics.shardsRequeued.inc();
      table.apply(batch, e, change, null);
    }
  }

  /** Runs the scheduler on the table and applies its placements and preemptions. */
  void schedule(WriteBatch batch, JobTable table, LedgerDuties ledger, long epoch, long now)
      throws Exception {
    Map<NodeKey, NodeRecord> live = view.liveNodes();
    SnapshotBuilder.Built built =
        SnapshotBuilder.build(
            table.all(),
            table.active(),
            live,
            settings,
            fairShare,
            ledger.book().accounts().contributionShares(),
            ledger.book().tracks().quarantinedNodes(),
            now,
            epoch);
    fairShare = fairShare.advance(now, built.usage(), settings.halfLife().toMillis());
    if (built.snapshot().pending().isEmpty()) {
      return;
    }
    Decisions d = new Scheduler(settings.halfLife().toMillis()).decide(built.snapshot());
    JobLifecycle.Backoff backoff = backoff(settings);
    List<PlacementDecision> logged = new ArrayList<>();
    for (Preempt p : d.preemptions()) {
      JobEntry e = table.get(p.victim().jobId());
      if (e == null || !e.shards[p.victim().index()].state().holdsNode()) {
        continue;
      }
      metrics.shardsPreempted.inc();
      log.info("preempt {}: {}", p.victim(), p.reason());
      logged.add(LedgerDuties.decision(e, e.shards[p.victim().index()], "preempt"));
      table.apply(
          batch,
          e,
          JobLifecycle.requeue(
              e.view(), p.victim().index(), p.reason(), false, now, epoch, backoff),
          null);
    }
    Map<String, Map<Integer, ShardRecord>> placed = new TreeMap<>();
    for (Place p : d.placements()) {
      JobEntry e = table.get(p.shard().jobId());
      ShardRecord s = e.shards[p.shard().index()];
      if (!s.state().waiting()) {
        continue;
      }
      // An earlier attempt whose receipt has not come is closed now: its number is reused no more.
      ledger.closeLeaderOnly(
          e, s, now, epoch, "superseded by a new attempt before its receipt arrived");
      // Placeable since its job was submitted or, once requeued, since its backoff ended.
      long since = s.state() == ShardState.PENDING ? e.job.submittedAtMs() : s.notBeforeMs();
      metrics.schedulingWait.observe(Math.max(0, now - since) / 1000.0);
      placed
          .computeIfAbsent(p.shard().jobId(), k -> new TreeMap<>())
          .put(p.shard().index(), s.placed(p.node().toString(), p.reason(), now, epoch));
    }
    for (var en : placed.entrySet()) {
      JobEntry e = table.get(en.getKey());
      metrics.shardsPlaced.inc(en.getValue().size());
      table.apply(batch, e, JobLifecycle.withJob(e.view(), en.getValue(), now), null);
      en.getValue().values().forEach(s -> logged.add(LedgerDuties.decision(e, s, "place")));
    }
    ledger.scheduling(logged, settings, now, epoch);
    if (now - lastReasonFlush >= REASON_FLUSH_MS) {
      lastReasonFlush = now;
      Map<String, Map<Integer, ShardRecord>> reasons = new TreeMap<>();
      for (Map.Entry<ShardRef, String> r : d.pending().entrySet()) {
        JobEntry e = table.get(r.getKey().jobId());
        ShardRecord s = e == null ? null : e.shards[r.getKey().index()];
        if (s != null && s.state().waiting() && !r.getValue().equals(s.reason())) {
          reasons
              .computeIfAbsent(r.getKey().jobId(), k -> new TreeMap<>())
              .put(r.getKey().index(), s.withReason(r.getValue(), epoch));
        }
      }
      for (var en : reasons.entrySet()) {
        table.apply(
            batch, table.get(en.getKey()), new JobLifecycle.Change(null, en.getValue()), null);
      }
    }
  }

  /** Writes the decayed fair-share usage, at most every 5 s, so a new leader continues it. */
  void persist(WriteBatch batch, long now) throws Exception {
    if (now - lastPersist < PERSIST_MS) {
      return;
    }
    lastPersist = now;
    byte[] data = Json.write(fairShare.record(settings));
    batch.add(
        List.of(zk.transactionOp().setData().forPath(ZkPaths.SCHEDULER_STATE, data)),
        data.length,
        null);
  }
}
