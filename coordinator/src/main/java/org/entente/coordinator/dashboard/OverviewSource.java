package org.entente.coordinator.dashboard;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.governance.GovernanceKeeper;
import org.entente.coordinator.governance.GovernanceStore;
import org.entente.coordinator.governance.ProposalViews;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.jobs.QuotaReport;
import org.entente.coordinator.logstore.LedgerReader;
import org.entente.coordinator.membership.FederationView;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.RosterEntry;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.governance.GovernedStates;

/**
 * Gathers the facts for the dashboard from the replica's own views (membership, jobs, the ledger it
 * reads, its witness and governance keeper) and builds the {@link Overview}. It folds only the log
 * entries it has not folded yet, and builds at most once a second, so any number of open pages
 * costs the replica one build a second. Thread-safe (synchronized).
 */
public final class OverviewSource implements Supplier<Overview> {
  /** How long one build serves every page asking. */
  private static final Duration MAX_AGE = Duration.ofSeconds(1);

  private final CuratorFramework zk;
  private final FederationView federation;
  private final JobView jobs;
  private final LedgerReader ledger;
  private final Supplier<List<String>> witnessAlarms;
  private final GovernanceKeeper governance;
  private final GovernanceStore proposals;
  private final Supplier<Optional<String>> leader;
  private final String replica;
  private final Clock clock;
  private ContributionTimeline timeline = new ContributionTimeline();
  private Overview last;

  /**
   * @param ledger a reader of this replica's log (it may be shared: it is synchronized)
   * @param replica this replica's participant id
   */
  public OverviewSource(
      CuratorFramework zk,
      FederationView federation,
      JobView jobs,
      LedgerReader ledger,
      Supplier<List<String>> witnessAlarms,
      GovernanceKeeper governance,
      Supplier<Optional<String>> leader,
      String replica,
      Clock clock) {
    this.zk = zk;
    this.federation = federation;
    this.jobs = jobs;
    this.ledger = ledger;
    this.witnessAlarms = witnessAlarms;
    this.governance = governance;
    this.proposals = new GovernanceStore(zk);
    this.leader = leader;
    this.replica = replica;
    this.clock = clock;
  }

  /**
   * The overview, built now or at most a second ago.
   *
   * @throws IllegalStateException when ZooKeeper cannot be read
   */
  @Override
  public synchronized Overview get() {
    long now = clock.millis();
    if (last != null && now - last.atMs() < MAX_AGE.toMillis() && now >= last.atMs()) {
      return last;
    }
    try {
      last = build(now);
      return last;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read this replica's views: " + e, e);
    }
  }

  private Overview build(long now) throws Exception {
    GovernedState state = governance.state();
    List<JobView.Job> all = jobs.jobs();
    long size = foldLedger();
    Map<NodeKey, RosterEntry> roster = new TreeMap<>();
    federation.roster().forEach((k, v) -> roster.put(k, v.entry()));
    var live = federation.liveNodes();
    TreeSet<String> members = new TreeSet<>(GovernedStates.members(state));
    return OverviewBuilder.build(
        new OverviewBuilder.Facts(
            now,
            replica,
            leader.get().orElse(""),
            members,
            live,
            roster,
            all,
            QuotaReport.build(members, schedulerState(), JobView.usage(all), live),
            timeline,
            size,
            ledger.cosigned(),
            witnessAlarms.get(),
            governance.alarms(),
            proposals(state, now)));
  }

  /** Folds what was appended since the last build; starts over if the log it read was replaced. */
  private long foldLedger() throws Exception {
    long size = ledger.refresh();
    if (size < timeline.entries()) {
      timeline = new ContributionTimeline();
    }
    for (byte[] data : ledger.entries(timeline.entries(), size)) {
      try {
        timeline.add(LedgerEntry.parseFrom(data));
      } catch (InvalidProtocolBufferException e) {
        timeline.add(LedgerEntry.getDefaultInstance()); // counted as read; the audit names it
      }
    }
    return size;
  }

  private byte[] schedulerState() throws Exception {
    try {
      return zk.getData().forPath(ZkPaths.SCHEDULER_STATE);
    } catch (KeeperException.NoNodeException e) {
      return new byte[0];
    }
  }

  private List<ProposalStatus> proposals(GovernedState state, long now) throws Exception {
    List<ProposalStatus> out = new ArrayList<>();
    for (String id : proposals.proposalIds()) {
      if (governance.applied(id).isPresent()) {
        continue; // applied: not pending, and not worth reading its approvals again
      }
      Optional<SignedProposal> p = proposals.proposal(id);
      if (p.isPresent()) {
        out.add(ProposalViews.status(id, p.get(), proposals.approvals(id), state, null, now));
      }
    }
    return out;
  }
}
