package org.entente.coordinator.governance;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.leader.FencedException;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.zk.FederationRecord;
import org.entente.coordinator.zk.FederationStore;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.Pem;
import org.entente.security.TrustBundle;
import org.entente.security.governance.GovernanceChain;
import org.entente.security.governance.GovernedStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's part in governance: it watches the stored proposals and, when one's approvals reach
 * the threshold in the state this replica verified, appends it to the chain with the approvals that
 * count, in a fenced transaction that also records the new state and trust bundle for people and
 * tools. It decides nothing the other replicas do not check again. Thread-safe.
 */
public final class GovernanceApplier
    implements org.entente.coordinator.leader.LeaderElection.Listener, Closeable {
  private static final Logger log = LoggerFactory.getLogger(GovernanceApplier.class);
  private static final long EVERY_MS = 500;

  private final CuratorFramework zk;
  private final GovernanceStore store;
  private final GovernanceKeeper keeper;
  private final EpochStore epochs;
  private final Clock clock;
  private final CoordinatorMetrics metrics;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "entente-governance-leader");
            t.setDaemon(true);
            return t;
          });
  private volatile Runnable onFenced = () -> {};
  private Fence fence;
  private ScheduledFuture<?> ticker;

  public GovernanceApplier(
      CuratorFramework zk,
      GovernanceStore store,
      GovernanceKeeper keeper,
      EpochStore epochs,
      Clock clock,
      CoordinatorMetrics metrics) {
    this.zk = zk;
    this.store = store;
    this.keeper = keeper;
    this.epochs = epochs;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Runs {@code r} when a write shows that a newer leader exists. */
  public void onFenced(Runnable r) {
    this.onFenced = r;
  }

  @Override
  public synchronized void onLeading(Fence f) {
    fence = f;
    if (ticker == null) {
      ticker = thread.scheduleWithFixedDelay(this::safePass, 0, EVERY_MS, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public synchronized void onNotLeading(String why) {
    fence = null;
    if (ticker != null) {
      ticker.cancel(false);
      ticker = null;
    }
  }

  /** Looks at the proposals soon (an approval arrived). */
  public void nudge() {
    thread.execute(this::safePass);
  }

  private void safePass() {
    Fence f;
    synchronized (this) {
      f = fence;
    }
    if (f == null) {
      return;
    }
    try {
      pass(f);
    } catch (FencedException e) {
      log.info("governance write fenced: {}", e.getMessage());
      onFenced.run();
    } catch (Exception e) {
      log.warn("governance pass failed: {}", e.toString());
    }
  }

  /** Applies every proposal whose approvals now reach the threshold, one at a time. */
  void pass(Fence f) throws Exception {
    keeper.refresh();
    for (String id : store.proposalIds()) {
      GovernedState s = keeper.state();
      if (s.getAppliedList().contains(id)) {
        continue;
      }
      Optional<SignedProposal> p = store.proposal(id);
      if (p.isEmpty()) {
        continue;
      }
      List<SignedApproval> approvals = store.approvals(id);
      GovernanceChain.Decision d = GovernanceChain.decide(s, p.get(), approvals);
      long now = clock.millis();
      if (d.proposer() == null
          || d.refused() != null
          || !d.tally().reached()
          || now > d.proposal().getExpiresUnixMs()
          || !d.proposal().getId().equals(id)) {
        continue;
      }
      List<SignedApproval> counted = new ArrayList<>();
      for (int i = 0; i < approvals.size(); i++) {
        if (d.tally().reasons().get(i) == null) {
          counted.add(approvals.get(i));
        }
      }
      GovernanceEntry e = GovernanceChain.entry(s, p.get(), counted, now, f.epoch());
      GovernedState next = GovernanceChain.next(s, e); // the rules every replica applies
      epochs.commit(f, writes(keeper.nextPosition(), e, s, next));
      metrics.proposalsApplied.inc();
      log.info("applied proposal {} as governance entry {}", id, e.getSequence());
      keeper.refresh();
    }
  }

  private List<CuratorOp> writes(
      long position, GovernanceEntry e, GovernedState before, GovernedState after)
      throws Exception {
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(store.appendOp(position, e));
    ops.add(store.stateOp(after));
    TrustBundle old = GovernedStates.trustBundle(before);
    TrustBundle now = GovernedStates.trustBundle(after);
    if (!old.equals(now)) {
      for (String nation : now.nations()) {
        if (old.root(nation) == null) {
          if (zk.checkExists().forPath(ZkPaths.nation(nation)) == null) {
            ops.add(zk.transactionOp().create().forPath(ZkPaths.nation(nation)));
          }
          byte[] pem = Pem.encode(now.root(nation)).getBytes(StandardCharsets.US_ASCII);
          ops.add(zk.transactionOp().create().forPath(ZkPaths.root(nation), pem));
        }
      }
      for (String nation : old.nations()) {
        if (now.root(nation) == null && zk.checkExists().forPath(ZkPaths.root(nation)) != null) {
          ops.add(zk.transactionOp().delete().forPath(ZkPaths.root(nation)));
        }
      }
      FederationRecord record =
          Json.read(zk.getData().forPath(ZkPaths.FEDERATION), FederationRecord.class);
      ops.add(
          zk.transactionOp()
              .setData()
              .forPath(
                  ZkPaths.FEDERATION,
                  Json.write(
                      new FederationRecord(
                          List.copyOf(now.nations()),
                          FederationStore.digest(now),
                          record.createdAtMs()))));
    }
    return ops;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
