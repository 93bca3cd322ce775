package org.entente.coordinator.governance;

import java.io.Closeable;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.SignedGenesis;
import org.entente.security.TrustBundle;
import org.entente.security.governance.Changes;
import org.entente.security.governance.GovernanceChain;
import org.entente.security.governance.GovernedStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's own view of governance: it reads the chain from ZooKeeper and follows only the
 * entries it verifies itself ({@link GovernanceChain}), starting from a genesis that must agree
 * with the roots this replica was configured to trust. An entry without valid approvals, written by
 * hand or by a leader that skipped the rules, is refused and reported; so is a recorded state
 * ({@code /governance/state}) that differs from the verified one. Thread-safe.
 */
public final class GovernanceKeeper implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(GovernanceKeeper.class);
  private static final int MAX_ALARMS = 50;

  private final GovernanceStore store;
  private final TrustBundle configured;
  private final SignedGenesis genesis;
  private final CoordinatorMetrics metrics;
  private final List<Consumer<GovernedState>> listeners = new CopyOnWriteArrayList<>();
  private final Deque<String> alarms = new ArrayDeque<>();
  private final List<GovernanceEntry> entries = new ArrayList<>();
  private final Map<Long, byte[]> shaBySequence = new HashMap<>();
  private final Map<String, Applied> applied = new HashMap<>();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "entente-governance");
            t.setDaemon(true);
            return t;
          });
  private volatile GovernedState state;
  private long nextPosition;
  private CuratorCache watch;

  /**
   * @param configured the roots this replica's operator configured it to trust
   * @param genesis the signed genesis to found the federation with, or null to join one
   */
  public GovernanceKeeper(
      GovernanceStore store,
      TrustBundle configured,
      SignedGenesis genesis,
      CoordinatorMetrics metrics) {
    this.store = store;
    this.configured = configured;
    this.genesis = genesis;
    this.metrics = metrics;
  }

  /**
   * Founds the federation with the configured genesis when none is stored, then verifies the stored
   * genesis and the chain after it.
   *
   * @throws IllegalStateException when there is no genesis, or it is refused, or it disagrees with
   *     this replica's configured roots
   */
  public synchronized void found() throws Exception {
    List<GovernanceStore.Link> links = store.links(0);
    if (links.isEmpty() || links.get(0).position() != 0) {
      if (genesis == null) {
        throw new IllegalStateException(
            "the federation has no genesis yet: give one replica the genesis every founding"
                + " nation signed (governance.genesis in coordinator.yaml; see entente gov"
                + " genesis --help)");
      }
      try {
        GovernanceChain.genesis(genesis);
      } catch (Changes.Refused e) {
        throw new IllegalStateException("the configured genesis is refused: " + e.getMessage());
      }
      if (store.createGenesis(
          GovernanceEntry.newBuilder().setSequence(0).setGenesis(genesis).build())) {
        log.info("founded the federation with the configured genesis");
      }
      links = store.links(0);
    }
    GovernanceEntry first = links.get(0).entry();
    if (first == null || !first.hasGenesis() || first.getSequence() != 0) {
      throw new IllegalStateException(
          "the stored genesis (" + ZkPaths.governanceLink(0) + ") is not a genesis entry");
    }
    if (genesis != null && !first.getGenesis().equals(genesis)) {
      throw new IllegalStateException(
          "this replica's configured genesis differs from the federation's; a federation is"
              + " founded once, so remove governance.genesis from this replica's config");
    }
    GovernedState s;
    try {
      s = GovernanceChain.genesis(first.getGenesis());
    } catch (Changes.Refused e) {
      throw new IllegalStateException(
          "the federation's stored genesis is refused: " + e.getMessage());
    }
    entries.add(first);
    shaBySequence.put(0L, GovernedStates.sha256(s));
    state = s;
    nextPosition = 1;
    refresh();
    checkConfiguredRoots();
  }

  private void checkConfiguredRoots() {
    TrustBundle governed = GovernedStates.trustBundle(state);
    for (String nation : configured.nations()) {
      X509Certificate theirs = governed.root(nation);
      if (theirs != null && !theirs.equals(configured.root(nation))) {
        throw new IllegalStateException(
            "the configured root for "
                + nation
                + " differs from the member root the governance chain gives; trust changes only"
                + " through governance, so fix this replica's trust list");
      }
    }
  }

  /** Follows changes under {@code /governance} as they come, and every {@code interval}. */
  public void start(org.apache.curator.framework.CuratorFramework zk, Duration interval) {
    watch = CuratorCache.build(zk, ZkPaths.GOVERNANCE, CuratorCache.Options.DO_NOT_CLEAR_ON_CLOSE);
    watch
        .listenable()
        .addListener(CuratorCacheListener.builder().forAll((t, b, a) -> nudge()).build());
    watch.start();
    thread.scheduleWithFixedDelay(
        this::safeRefresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asks for a look at the chain soon. */
  public void nudge() {
    thread.execute(this::safeRefresh);
  }

  private void safeRefresh() {
    try {
      refresh();
    } catch (Exception e) {
      log.debug("governance refresh failed: {}", e.toString());
    }
  }

  /**
   * Reads the links stored since the last look and follows each it verifies.
   *
   * @return whether the state changed
   */
  public synchronized boolean refresh() throws Exception {
    GovernedState before = state;
    for (GovernanceStore.Link link : store.links(nextPosition)) {
      if (link.position() < 0) {
        alarm("malformed", "a znode under " + ZkPaths.GOVERNANCE_CHAIN + " has no position name");
        continue;
      }
      nextPosition = Math.max(nextPosition, link.position() + 1);
      String where = ZkPaths.governanceLink(link.position());
      if (link.entry() == null) {
        alarm("malformed", where + " does not decode; ignored");
        continue;
      }
      try {
        GovernanceChain.Decision d =
            link.entry().hasApplied()
                ? GovernanceChain.decide(
                    state,
                    link.entry().getApplied().getProposal(),
                    link.entry().getApplied().getApprovalsList())
                : null;
        GovernedState next = GovernanceChain.next(state, link.entry());
        applied.put(d.proposal().getId(), new Applied(next.getSequence(), d));
        entries.add(link.entry());
        shaBySequence.put(next.getSequence(), GovernedStates.sha256(next));
        state = next;
        metrics.governanceSequence.set(next.getSequence());
        log.info(
            "governance {}: {}",
            next.getSequence(),
            Changes.summary(
                org.entente.proto.v1.Proposal.parseFrom(
                        link.entry().getApplied().getProposal().getBody())
                    .getChange()));
      } catch (Changes.Refused e) {
        alarm("unapproved", where + " refused, not followed: " + e.getMessage());
      }
    }
    checkRecorded();
    boolean changed = state != before;
    if (changed) {
      for (Consumer<GovernedState> l : listeners) {
        l.accept(state);
      }
    }
    return changed;
  }

  private void checkRecorded() throws Exception {
    TrustBundle governed = GovernedStates.trustBundle(state);
    for (var e : store.recordedRoots().entrySet()) {
      X509Certificate root = governed.root(e.getKey());
      boolean same;
      try {
        List<X509Certificate> pem =
            org.entente.security.Pem.readCertificates(e.getValue(), ZkPaths.root(e.getKey()));
        same = root != null && pem.size() == 1 && pem.get(0).equals(root);
      } catch (java.io.IOException | RuntimeException ex) {
        same = false;
      }
      if (!same) {
        alarm(
            "hand-edited",
            ZkPaths.root(e.getKey())
                + (root == null
                    ? " records a root for a nation that is not a member"
                    : " differs from the member root the chain gives")
                + "; ignored");
      }
    }
    Optional<byte[]> recorded = store.recordedState();
    if (recorded.isEmpty()) {
      return;
    }
    GovernedState r;
    try {
      r = GovernedState.parseFrom(recorded.get());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      alarm("hand-edited", ZkPaths.GOVERNANCE_STATE + " does not decode; ignored");
      return;
    }
    byte[] verified = shaBySequence.get(r.getSequence());
    if (verified == null) {
      if (r.getSequence() < state.getSequence()) {
        alarm(
            "hand-edited",
            ZkPaths.GOVERNANCE_STATE
                + " claims sequence "
                + r.getSequence()
                + ", which no verified entry has; ignored");
      }
      return; // newer than what this replica has read so far
    }
    if (!Arrays.equals(verified, GovernedStates.sha256(r))) {
      alarm(
          "hand-edited",
          ZkPaths.GOVERNANCE_STATE
              + " differs from the state verified from the chain at sequence "
              + r.getSequence()
              + " (threshold "
              + r.getThreshold()
              + ", members "
              + GovernedStates.members(r)
              + "); ignored");
    }
  }

  private void alarm(String reason, String detail) {
    synchronized (alarms) {
      if (alarms.contains(detail)) {
        return;
      }
      alarms.addLast(detail);
      while (alarms.size() > MAX_ALARMS) {
        alarms.removeFirst();
      }
    }
    metrics.governanceRefused.labelValues(reason).inc();
    log.error("GOVERNANCE REFUSED ({}): {}", reason, detail);
  }

  /** A proposal this replica followed: at which sequence, and how its approvals counted. */
  public record Applied(long sequence, GovernanceChain.Decision decision) {}

  /** How an applied proposal was decided, if this replica followed it. */
  public synchronized Optional<Applied> applied(String id) {
    return Optional.ofNullable(applied.get(id));
  }

  /** The governed state this replica verified. */
  public GovernedState state() {
    return state;
  }

  /** The verified entries, the genesis first. */
  public synchronized List<GovernanceEntry> entries() {
    return List.copyOf(entries);
  }

  /** Where the next link goes in ZooKeeper. */
  public synchronized long nextPosition() {
    return nextPosition;
  }

  /** What this replica refused to follow, oldest first. */
  public List<String> alarms() {
    synchronized (alarms) {
      return List.copyOf(alarms);
    }
  }

  /** Calls {@code l} with each new verified state, on the thread that verified it. */
  public void onChange(Consumer<GovernedState> l) {
    listeners.add(l);
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
    thread.shutdownNow();
  }
}
