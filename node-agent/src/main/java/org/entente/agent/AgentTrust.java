package org.entente.agent;

import java.security.cert.X509Certificate;
import java.util.Set;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.TrustUpdate;
import org.entente.security.FederationTrust;
import org.entente.security.PeerRejectedException;
import org.entente.security.PeerVerifier;
import org.entente.security.RevocationList;
import org.entente.security.TrustBundle;
import org.entente.security.Usage;
import org.entente.security.governance.Changes;
import org.entente.security.governance.GovernanceChain;
import org.entente.security.governance.GovernedStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an agent trusts, decided by the agent itself from what coordinators send ({@link
 * TrustUpdate}): it follows the governance chain only as far as every signature verifies, starting
 * from a genesis whose roots agree with the ones its own operator configured, and installs each
 * nation's revocation list only if that nation's root signed it. A coordinator can therefore
 * withhold news, but never make an agent trust a nation or certificate the members did not approve,
 * nor forget a revocation. Thread-safe.
 */
public final class AgentTrust {
  private static final Logger log = LoggerFactory.getLogger(AgentTrust.class);

  private final TrustBundle configured;
  private final FederationTrust trust;
  private GovernedState state;
  private final java.util.concurrent.atomic.AtomicLongArray outcomes =
      new java.util.concurrent.atomic.AtomicLongArray(Outcome.values().length);

  /** How a {@link TrustUpdate} was taken. */
  public enum Outcome {
    /** Followed: a new governance entry, or a revocation list that changed what is trusted. */
    APPLIED,
    /** Nothing new in it. */
    UNCHANGED,
    /** It held an entry that does not verify, so the chain was not followed past it. */
    REFUSED
  }

  public AgentTrust(TrustBundle configured, FederationTrust trust) {
    this.configured = configured;
    this.trust = trust;
  }

  /** The trust every handshake of this agent reads. */
  public FederationTrust trust() {
    return trust;
  }

  /** The governed state followed so far, or null before any update. */
  public synchronized GovernedState state() {
    return state;
  }

  /**
   * Follows an update; what does not verify is ignored (and logged).
   *
   * @return whether what this agent trusts changed
   */
  public synchronized boolean apply(TrustUpdate u) {
    FederationTrust.Snapshot before = trust.snapshot();
    GovernedState s = state;
    boolean refused = false;
    for (GovernanceEntry e : u.getChainList()) {
      try {
        if (e.hasGenesis()) {
          if (s == null) {
            s = founded(e);
          }
        } else if (s != null && e.getSequence() == s.getSequence() + 1) {
          s = GovernanceChain.next(s, e);
        }
      } catch (Changes.Refused ex) {
        refused = true;
        log.error("trust update refused, not followed: {}", ex.getMessage());
      }
    }
    boolean followed = s != null && s != state;
    if (followed) {
      state = s;
      trust.replaceGoverned(GovernedStates.trustBundle(s), Set.copyOf(s.getRevokedList()));
    }
    TrustBundle bundle = trust.snapshot().bundle();
    for (String pem : u.getRevocationListsPemList()) {
      for (String nation : bundle.nations()) {
        try {
          trust.updateRevocations(RevocationList.verify(pem, bundle.root(nation)));
          break;
        } catch (IllegalArgumentException notThisNation) {
          // signed by another root, or by none
        }
      }
    }
    boolean changed = !trust.snapshot().equals(before);
    Outcome o =
        refused ? Outcome.REFUSED : followed || changed ? Outcome.APPLIED : Outcome.UNCHANGED;
    outcomes.incrementAndGet(o.ordinal());
    return changed;
  }

  /** How many updates were taken with {@code outcome} since this agent started. */
  public long updates(Outcome outcome) {
    return outcomes.get(outcome.ordinal());
  }

  /**
   * Why a coordinator presenting {@code peer} is trusted no more (revoked, expired, or its nation
   * removed), or null while it is (or when there is no certificate to judge).
   */
  public String distrusts(X509Certificate peer, java.time.Instant now) {
    if (peer == null) {
      return null;
    }
    try {
      PeerVerifier.verify(new X509Certificate[] {peer}, Usage.SERVER_AUTH, now, trust.snapshot());
      return null;
    } catch (PeerRejectedException e) {
      return e.getMessage();
    }
  }

  private GovernedState founded(GovernanceEntry e) throws Changes.Refused {
    GovernedState g = GovernanceChain.genesis(e.getGenesis());
    TrustBundle governed = GovernedStates.trustBundle(g);
    // Every founding root must be one this agent's operator configured: a coordinator cannot
    // found a federation of its own invention for it.
    for (String nation : governed.nations()) {
      X509Certificate mine = configured.root(nation);
      if (mine == null || !mine.equals(governed.root(nation))) {
        throw new Changes.Refused(
            "the genesis names a root for "
                + nation
                + " that this agent's trust list does not hold");
      }
    }
    return g;
  }
}
