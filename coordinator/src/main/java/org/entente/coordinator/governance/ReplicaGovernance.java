package org.entente.coordinator.governance;

import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.zk.FederationStore;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.SignedGenesis;
import org.entente.proto.v1.TrustUpdate;
import org.entente.security.TrustBundle;
import org.entente.security.governance.GovernedStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's part in governance, wired together: founding or joining (the keeper that verifies
 * the chain), the leader's applier, the service, and what agents and clients are sent to verify for
 * themselves. Start once, close once.
 */
public final class ReplicaGovernance implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ReplicaGovernance.class);
  // A watch on /governance brings changes at once; this only backstops it (and rechecks the
  // records for tools under /nations, which no watch covers).
  private static final Duration INTERVAL = Duration.ofSeconds(2);

  private final CuratorFramework zk;
  private final FederationStore federation;
  private final GovernanceStore store;
  private final GovernanceKeeper keeper;
  private final CoordinatorMetrics metrics;
  private final Clock clock;
  private GovernanceApplier applier;

  public ReplicaGovernance(
      CuratorFramework zk,
      FederationStore federation,
      TrustBundle configured,
      SignedGenesis genesis,
      CoordinatorMetrics metrics,
      Clock clock) {
    this.zk = zk;
    this.federation = federation;
    this.store = new GovernanceStore(zk);
    this.keeper = new GovernanceKeeper(store, configured, genesis, metrics);
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Founds the federation or verifies the one founded, records its roots for tools, and calls
   * {@code onState} with the verified state now and after every change.
   */
  public void start(Consumer<GovernedState> onState) throws Exception {
    keeper.found();
    federation.record(GovernedStates.trustBundle(keeper.state()));
    onState.accept(keeper.state());
    keeper.onChange(onState);
    keeper.start(zk, INTERVAL);
  }

  /** The leader's applier (made once, with the election's epoch store). */
  public GovernanceApplier applier(EpochStore epochs) {
    if (applier == null) {
      applier = new GovernanceApplier(zk, store, keeper, epochs, clock, metrics);
    }
    return applier;
  }

  /** {@code GovernanceService} on this replica. */
  public GovernanceApiService service(Runnable nudgeLeader) {
    return new GovernanceApiService(store, keeper, nudgeLeader, clock, this::trustUpdate);
  }

  public GovernanceKeeper keeper() {
    return keeper;
  }

  /** The chain this replica verified, and each member nation's published revocation list. */
  public TrustUpdate trustUpdate() {
    TrustUpdate.Builder b = TrustUpdate.newBuilder().addAllChain(keeper.entries());
    for (String nation : GovernedStates.members(keeper.state())) {
      try {
        federation.crl(nation).ifPresent(c -> b.addRevocationListsPem(c.pem()));
      } catch (Exception e) {
        log.debug("revocation list of {} unreadable: {}", nation, e.toString());
      }
    }
    return b.build();
  }

  @Override
  public void close() {
    if (applier != null) {
      applier.close();
    }
    keeper.close();
  }
}
