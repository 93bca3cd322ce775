package org.entente.coordinator.governance;

import java.util.List;
import org.entente.proto.v1.Approval;
import org.entente.proto.v1.ApprovalView;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.governance.Changes;
import org.entente.security.governance.GovernanceChain;

/** How a proposal stands, as {@code entente gov list/show} shows it. Pure. */
public final class ProposalViews {
  private ProposalViews() {}

  /**
   * The status of proposal {@code id}: applied when {@code applied} is present (decided as it was
   * then), else decided now against {@code s} with the stored approvals.
   */
  public static ProposalStatus status(
      String id,
      SignedProposal p,
      List<SignedApproval> stored,
      GovernedState s,
      GovernanceKeeper.Applied applied,
      long nowMs) {
    GovernanceChain.Decision d =
        applied != null ? applied.decision() : GovernanceChain.decide(s, p, stored);
    ProposalStatus.Builder b = ProposalStatus.newBuilder().setId(id).setProposal(p);
    if (d.proposal() != null) {
      b.setKind(Changes.kind(d.proposal().getChange()))
          .setSummary(Changes.summary(d.proposal().getChange()))
          .setProposer(d.proposal().getProposer())
          .setReason(d.proposal().getReason())
          .setCreatedUnixMs(d.proposal().getCreatedUnixMs())
          .setExpiresUnixMs(d.proposal().getExpiresUnixMs());
    }
    for (int i = 0; i < d.approvals().size(); i++) {
      Approval a = d.approvals().get(i);
      String why = d.tally().reasons().get(i);
      ApprovalView.Builder v = ApprovalView.newBuilder().setCounts(why == null);
      if (a != null) {
        v.setApprover(a.getApprover()).setSignedUnixMs(a.getSignedUnixMs());
        try {
          v.setNation(org.entente.security.Identity.parseUri(a.getApprover()).nation());
        } catch (IllegalArgumentException e) {
          // an approval naming no identity counts for nothing, as its reason says
        }
      }
      if (why != null) {
        v.setRefused(why);
      }
      b.addApprovals(v);
    }
    b.addAllApprovingNations(d.tally().approving())
        .setRequired(d.tally().required())
        .addAllMissingNations(d.tally().missing());
    if (applied != null) {
      b.setOutcome("applied").setAppliedSequence(applied.sequence());
    } else if (d.proposer() == null || d.refused() != null) {
      b.setOutcome("refused").setRefused(d.refused() == null ? "" : d.refused());
    } else if (d.proposal() != null && nowMs > d.proposal().getExpiresUnixMs()) {
      b.setOutcome("expired");
    } else {
      b.setOutcome("pending");
    }
    return b.build();
  }
}
