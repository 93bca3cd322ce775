package org.entente.security.governance;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.entente.proto.v1.Approval;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.OperatorSignature;
import org.entente.proto.v1.Proposal;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedGenesis;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.PeerRejectedException;
import org.entente.security.PeerVerifier;
import org.entente.security.Role;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;
import org.entente.security.Usage;

/**
 * The governance chain's rules, which every replica and every auditor applies for itself: a genesis
 * signed by an operator of every founding nation, then entries each carrying a proposal and the
 * approvals that reached the threshold in the state before it. Signatures are checked against the
 * members' roots in that state, so an approval from a removed nation or by a revoked operator
 * counts for nothing. Pure: no I/O and no clock (times come from the signed documents).
 */
public final class GovernanceChain {
  private GovernanceChain() {}

  /**
   * How a proposal stands against a state.
   *
   * @param proposal the proposal, or null when it does not decode
   * @param proposer who signed it, or null when the signature does not hold
   * @param approvals each approval decoded (null where it does not), in order
   * @param tally how the approvals count
   * @param refused why the proposal cannot take effect on this state, or null
   * @param next the state it gives (sequence advanced) when it can take effect, else null
   */
  public record Decision(
      Proposal proposal,
      Identity proposer,
      List<Approval> approvals,
      Tally tally,
      String refused,
      GovernedState next) {}

  /** The founding state a genesis gives (sequence 0). */
  public static GovernedState genesis(SignedGenesis g) throws Changes.Refused {
    Genesis body;
    try {
      body = Genesis.parseFrom(g.getBody());
    } catch (InvalidProtocolBufferException e) {
      throw new Changes.Refused("the genesis does not decode");
    }
    if (body.getMembersCount() == 0) {
      throw new Changes.Refused("the genesis names no member");
    }
    Set<String> nations = new TreeSet<>();
    for (Member m : body.getMembersList()) {
      Changes.checkMember(m);
      if (!nations.add(m.getNation())) {
        throw new Changes.Refused("the genesis names " + m.getNation() + " twice");
      }
    }
    if (body.getThreshold() < 0 || body.getThreshold() > nations.size()) {
      throw new Changes.Refused("the genesis threshold must be 0 to " + nations.size());
    }
    GovernedState.Builder s =
        GovernedState.newBuilder()
            .setSequence(0)
            .setThreshold(body.getThreshold())
            .setPolicy(body.getPolicy())
            .setFederation(body.getFederation());
    body.getMembersList().stream()
        .sorted(java.util.Comparator.comparing(Member::getNation))
        .forEach(s::addMembers);
    GovernedState state = s.build();
    TrustBundle bundle = GovernedStates.trustBundle(state);
    Set<String> signed = new TreeSet<>();
    for (OperatorSignature sig : g.getSignaturesList()) {
      Identity who =
          operator(
              sig,
              Signatures.GENESIS,
              g.getBody().toByteArray(),
              bundle,
              Set.of(),
              body.getCreatedUnixMs());
      signed.add(who.nation());
    }
    if (!signed.equals(nations)) {
      Set<String> missing = new TreeSet<>(nations);
      missing.removeAll(signed);
      throw new Changes.Refused(
          "the genesis must be signed by an operator of every founding nation; missing " + missing);
    }
    return state;
  }

  /** How {@code p} stands in {@code s} with {@code approvals}. */
  public static Decision decide(GovernedState s, SignedProposal p, List<SignedApproval> approvals) {
    Proposal proposal;
    try {
      proposal = Proposal.parseFrom(p.getBody());
    } catch (InvalidProtocolBufferException e) {
      return new Decision(null, null, List.of(), empty(s), "the proposal does not decode", null);
    }
    TrustBundle bundle = GovernedStates.trustBundle(s);
    Identity proposer;
    try {
      TrustBundle proposers = bundle;
      if (proposal.getChange().hasAdmitNation()) {
        // A nation may propose its own admission, signed under the root it offers.
        proposers = withRoot(bundle, proposal.getChange().getAdmitNation().getMember());
      }
      proposer =
          operator(
              p.getSignature(),
              Signatures.PROPOSAL,
              p.getBody().toByteArray(),
              proposers,
              Set.copyOf(s.getRevokedList()),
              proposal.getCreatedUnixMs());
      if (!proposer.toUri().equals(proposal.getProposer())) {
        throw new Changes.Refused(
            "the proposal names proposer "
                + proposal.getProposer()
                + " but is signed by "
                + proposer);
      }
    } catch (Changes.Refused e) {
      return new Decision(proposal, null, List.of(), empty(s), "proposer: " + e.getMessage(), null);
    }
    byte[] digest = Sha256.newDigest().digest(p.getBody().toByteArray());
    List<Approval> decoded = new ArrayList<>();
    List<Tally.Vote> votes = new ArrayList<>();
    for (SignedApproval a : approvals) {
      Approval body;
      try {
        body = Approval.parseFrom(a.getBody());
      } catch (InvalidProtocolBufferException e) {
        decoded.add(null);
        votes.add(new Tally.Vote("", "", false, 0, "the approval does not decode"));
        continue;
      }
      decoded.add(body);
      String refused = null;
      String nation = "";
      try {
        Identity who =
            operator(
                a.getSignature(),
                Signatures.APPROVAL,
                a.getBody().toByteArray(),
                bundle,
                Set.copyOf(s.getRevokedList()),
                body.getSignedUnixMs());
        nation = who.nation();
        if (!who.toUri().equals(body.getApprover())) {
          refused = "it names approver " + body.getApprover() + " but is signed by " + who;
        }
      } catch (Changes.Refused e) {
        refused = e.getMessage();
      }
      boolean same =
          body.getProposalId().equals(proposal.getId())
              && Arrays.equals(body.getProposalSha256().toByteArray(), digest);
      votes.add(new Tally.Vote(nation, body.getApprover(), same, body.getSignedUnixMs(), refused));
    }
    Tally tally =
        Tally.count(
            GovernedStates.members(s), s.getThreshold(), proposal.getExpiresUnixMs(), votes);
    try {
      GovernedState next =
          Changes.apply(s, proposal.getChange(), proposal.getId()).toBuilder()
              .setSequence(s.getSequence() + 1)
              .build();
      return new Decision(proposal, proposer, decoded, tally, null, next);
    } catch (Changes.Refused e) {
      return new Decision(proposal, proposer, decoded, tally, e.getMessage(), null);
    }
  }

  /**
   * The state after entry {@code e}, which must follow {@code s}.
   *
   * @throws Changes.Refused naming the rule the entry breaks; the state is then unchanged
   */
  public static GovernedState next(GovernedState s, GovernanceEntry e) throws Changes.Refused {
    if (e.getSequence() != s.getSequence() + 1) {
      throw new Changes.Refused(
          "entry " + e.getSequence() + " does not follow sequence " + s.getSequence());
    }
    if (!Arrays.equals(e.getPreviousStateSha256().toByteArray(), GovernedStates.sha256(s))) {
      throw new Changes.Refused(
          "entry " + e.getSequence() + " was built on another state than the one verified");
    }
    if (!e.hasApplied()) {
      throw new Changes.Refused("entry " + e.getSequence() + " carries no proposal");
    }
    Decision d = decide(s, e.getApplied().getProposal(), e.getApplied().getApprovalsList());
    String id = d.proposal() == null ? "?" : d.proposal().getId();
    if (d.proposer() == null) {
      throw new Changes.Refused("proposal " + id + ": " + d.refused());
    }
    if (!d.tally().reached()) {
      throw new Changes.Refused(
          "proposal "
              + id
              + " is approved by "
              + d.tally().approving()
              + ", but needs "
              + d.tally().required()
              + " distinct member nations");
    }
    if (e.getAtUnixMs() > d.proposal().getExpiresUnixMs()) {
      throw new Changes.Refused("proposal " + id + " was applied after it expired");
    }
    if (d.refused() != null) {
      throw new Changes.Refused("proposal " + id + ": " + d.refused());
    }
    return d.next();
  }

  /** The entry that applies a decision reached on {@code s}. */
  public static GovernanceEntry entry(
      GovernedState s, SignedProposal p, List<SignedApproval> approvals, long atMs, long epoch) {
    return GovernanceEntry.newBuilder()
        .setSequence(s.getSequence() + 1)
        .setPreviousStateSha256(ByteString.copyFrom(GovernedStates.sha256(s)))
        .setApplied(
            org.entente.proto.v1.AppliedProposal.newBuilder()
                .setProposal(p)
                .addAllApprovals(approvals))
        .setAtUnixMs(atMs)
        .setEpoch(epoch)
        .build();
  }

  private static Tally empty(GovernedState s) {
    return Tally.count(GovernedStates.members(s), s.getThreshold(), Long.MIN_VALUE, List.of());
  }

  private static TrustBundle withRoot(TrustBundle bundle, Member m) throws Changes.Refused {
    Changes.checkMember(m);
    Map<String, X509Certificate> roots = new HashMap<>(bundle.roots());
    try {
      roots.put(m.getNation(), Signatures.certificate(m.getRootDer().toByteArray()));
    } catch (CertificateException e) {
      throw new Changes.Refused("the offered root does not decode");
    }
    return TrustBundle.of(roots.values());
  }

  /**
   * The operator whose certificate made {@code sig} over {@code body}: issued by a root in {@code
   * bundle} for its own nation, valid at {@code atMs}, not revoked by governance.
   */
  static Identity operator(
      OperatorSignature sig,
      String domain,
      byte[] body,
      TrustBundle bundle,
      Set<String> revoked,
      long atMs)
      throws Changes.Refused {
    X509Certificate cert;
    try {
      cert = Signatures.certificate(sig.getCertificateDer().toByteArray());
    } catch (CertificateException e) {
      throw new Changes.Refused("the signing certificate does not decode");
    }
    Identity who;
    try {
      who =
          PeerVerifier.verify(
              new X509Certificate[] {cert},
              Usage.CLIENT_AUTH,
              Instant.ofEpochMilli(atMs),
              new FederationTrust.Snapshot(bundle, Map.of(), revoked));
    } catch (PeerRejectedException e) {
      throw new Changes.Refused("the signing certificate is refused: " + e.getMessage());
    }
    if (who.role() != Role.OPERATOR) {
      throw new Changes.Refused("signed by " + who + ", not an operator");
    }
    if (!Signatures.verify(cert.getPublicKey(), domain, body, sig.getSignature().toByteArray())) {
      throw new Changes.Refused("the signature of " + who + " does not verify");
    }
    return who;
  }
}
