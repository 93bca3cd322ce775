package org.entente.coordinator.ledger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Proposal;
import org.entente.security.governance.Changes;
import org.entente.security.governance.GovernanceChain;

/**
 * The audit of governance in the log: the chain replayed from its genesis with the rules every
 * replica applies, so an auditor sees which changes took effect, with whose approvals, and which
 * entries a leader logged without the approvals they need. Not thread-safe.
 */
public final class GovernanceAudit {
  /** A change that took effect, at its chain sequence. */
  public record Decided(long sequence, String id, Change change, List<String> approvers) {}

  private GovernedState state;
  private final Map<String, Decided> decided = new HashMap<>();
  private final List<Decided> order = new ArrayList<>();

  /** Checks the next governance entry; returns the problems (empty when it holds). */
  List<Problem> accept(long index, GovernanceEntry e) {
    if (e.hasGenesis()) {
      if (state != null) {
        return List.of(problem(index, "a second genesis"));
      }
      try {
        state = GovernanceChain.genesis(e.getGenesis());
      } catch (Changes.Refused ex) {
        return List.of(problem(index, "the genesis is refused: " + ex.getMessage()));
      }
      return List.of();
    }
    if (state == null) {
      return List.of(problem(index, "a governance entry before the genesis"));
    }
    try {
      GovernanceChain.Decision d =
          GovernanceChain.decide(
              state, e.getApplied().getProposal(), e.getApplied().getApprovalsList());
      state = GovernanceChain.next(state, e);
      Proposal p = d.proposal();
      List<String> approvers = new ArrayList<>();
      for (int i = 0; i < d.approvals().size(); i++) {
        if (d.tally().reasons().get(i) == null) {
          approvers.add(d.approvals().get(i).getApprover());
        }
      }
      Decided x = new Decided(state.getSequence(), p.getId(), p.getChange(), approvers);
      decided.put(p.getId(), x);
      order.add(x);
      return List.of();
    } catch (Changes.Refused ex) {
      return List.of(problem(index, ex.getMessage()));
    }
  }

  /** Whether proposal {@code id} took effect and quarantines ({@code on}) or releases the node. */
  boolean decides(String id, String node, boolean on) {
    Decided d = decided.get(id);
    if (d == null) {
      return false;
    }
    return on
        ? d.change().hasQuarantine() && d.change().getQuarantine().getNode().equals(node)
        : d.change().hasRelease() && d.change().getRelease().getNode().equals(node);
  }

  /** The governed state the log gives, or null before a genesis. */
  public GovernedState state() {
    return state;
  }

  /** The changes that took effect, in order. */
  public List<Decided> decided() {
    return List.copyOf(order);
  }

  private static Problem problem(long index, String detail) {
    return new Problem(index, "governance", detail);
  }
}
