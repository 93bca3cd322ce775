package org.entente.security.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.Proposal;
import org.entente.proto.v1.RemoveNation;
import org.entente.proto.v1.SetQuota;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedGenesis;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.Test;

/**
 * The chain's rules with real certificates: a genesis of DE, FR, JP and IT with threshold 3, and
 * proposals approved in every way the issue names. Only exact-threshold, distinct-nation, unexpired
 * approvals of the very bytes proposed take effect.
 */
class GovernanceChainTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private static final List<String> FOUNDERS = List.of("DE", "FR", "JP", "IT");
  private final LocalPki pki = LocalPki.create(CLOCK, "DE", "FR", "JP", "IT");
  private final long now = CLOCK.millis();

  private KeyMaterial ops(String nation, String name) {
    return pki.issue(new Identity(nation, Role.OPERATOR, name));
  }

  private Member member(String nation) throws Exception {
    return Member.newBuilder()
        .setNation(nation)
        .setRootDer(ByteString.copyFrom(pki.ca(nation).certificate().getEncoded()))
        .build();
  }

  private SignedGenesis genesis(int threshold, List<String> signers) throws Exception {
    Genesis.Builder g = Genesis.newBuilder().setVersion(1).setThreshold(threshold);
    for (String n : FOUNDERS) {
      g.addMembers(member(n));
    }
    SignedGenesis s = Documents.unsigned(g.setCreatedUnixMs(now).build());
    for (String n : signers) {
      s = Documents.cosign(s, ops(n, "founder"));
    }
    return s;
  }

  private GovernedState founded() throws Exception {
    return GovernanceChain.genesis(genesis(3, FOUNDERS));
  }

  private static Change quota(String nation, long gpus) {
    return Change.newBuilder()
        .setSetQuota(
            SetQuota.newBuilder()
                .setNation(nation)
                .setQuota(
                    GovernedQuota.newBuilder().setNominal(Amounts.newBuilder().setGpus(gpus))))
        .build();
  }

  private static String id(SignedProposal p) throws Exception {
    return Proposal.parseFrom(p.getBody()).getId();
  }

  private List<SignedApproval> approvals(SignedProposal p, long at, String... nations)
      throws Exception {
    List<SignedApproval> out = new ArrayList<>();
    for (String n : nations) {
      out.add(Documents.approve(ops(n, "ops-1"), p, id(p), at));
    }
    return out;
  }

  private GovernanceEntry entry(GovernedState s, SignedProposal p, List<SignedApproval> a) {
    return GovernanceChain.entry(s, p, a, now, 1);
  }

  @Test
  void one_thresholdMinusOne_andThresholdApprovals_onlyTheLastTakesEffect() throws Exception {
    GovernedState s = founded();
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "more", now, 60_000);

    for (String[] some : List.of(new String[] {"DE"}, new String[] {"DE", "FR"})) {
      GovernanceEntry e = entry(s, p, approvals(p, now, some));
      assertThatThrownBy(() -> GovernanceChain.next(s, e))
          .isInstanceOf(Changes.Refused.class)
          .hasMessageContaining("needs 3 distinct member nations");
    }
    GovernedState next = GovernanceChain.next(s, entry(s, p, approvals(p, now, "DE", "FR", "JP")));

    assertThat(next.getSequence()).isEqualTo(1);
    assertThat(GovernedStates.member(next, "FR").getQuota().getNominal().getGpus()).isEqualTo(8);
    assertThat(next.getAppliedList()).containsExactly(id(p));
  }

  @Test
  void thresholdApprovalsAllFromOneNation_countOnce() throws Exception {
    GovernedState s = founded();
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("DE", 99), "mine", now, 60_000);
    List<SignedApproval> de = new ArrayList<>();
    for (String name : List.of("ops-1", "ops-2", "ops-3")) {
      de.add(Documents.approve(ops("DE", name), p, id(p), now));
    }

    GovernanceChain.Decision d = GovernanceChain.decide(s, p, de);

    assertThat(d.tally().approving()).containsExactly("DE");
    assertThat(d.tally().reached()).isFalse();
    assertThatThrownBy(() -> GovernanceChain.next(s, entry(s, p, de)))
        .isInstanceOf(Changes.Refused.class);
  }

  @Test
  void aNonMembersApproval_countsForNothing() throws Exception {
    GovernedState s = founded();
    LocalPki pl = LocalPki.create(CLOCK, "PL");
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "x", now, 60_000);
    List<SignedApproval> a = approvals(p, now, "DE", "FR");
    a.add(Documents.approve(pl.issue(new Identity("PL", Role.OPERATOR, "ops")), p, id(p), now));

    GovernanceChain.Decision d = GovernanceChain.decide(s, p, a);

    assertThat(d.tally().approving()).containsExactly("DE", "FR");
    assertThat(d.tally().reasons().get(2)).contains("refused");
    assertThat(d.tally().reached()).isFalse();
  }

  @Test
  void aRemovedNationsApproval_countsForNothing() throws Exception {
    GovernedState s = founded();
    SignedProposal remove =
        Documents.propose(
            ops("DE", "ops-1"),
            Change.newBuilder().setRemoveNation(RemoveNation.newBuilder().setNation("IT")).build(),
            "leaves",
            now,
            60_000);
    GovernedState without =
        GovernanceChain.next(s, entry(s, remove, approvals(remove, now, "DE", "FR", "JP")));
    assertThat(GovernedStates.members(without)).containsExactly("DE", "FR", "JP");
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "x", now, 60_000);

    GovernanceChain.Decision d = GovernanceChain.decide(without, p, approvals(p, now, "DE", "IT"));

    assertThat(d.tally().approving()).containsExactly("DE");
    assertThat(d.tally().required()).isEqualTo(3);
    assertThat(d.tally().reasons().get(1)).contains("refused");
  }

  @Test
  void approvalsAfterExpiry_doNotCount_andNeitherDoesApplyingLate() throws Exception {
    GovernedState s = founded();
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "x", now, 1_000);
    List<SignedApproval> late = approvals(p, now + 5_000, "DE", "FR", "JP");

    assertThat(GovernanceChain.decide(s, p, late).tally().approving()).isEmpty();
    GovernanceEntry appliedLate =
        GovernanceChain.entry(s, p, approvals(p, now, "DE", "FR", "JP"), now + 5_000, 1);
    assertThatThrownBy(() -> GovernanceChain.next(s, appliedLate))
        .isInstanceOf(Changes.Refused.class)
        .hasMessageContaining("after it expired");
  }

  @Test
  void replayedApprovals_neitherApplyAProposalTwiceNorCountForAnother() throws Exception {
    GovernedState s = founded();
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "x", now, 60_000);
    List<SignedApproval> a = approvals(p, now, "DE", "FR", "JP");
    GovernedState once = GovernanceChain.next(s, entry(s, p, a));

    // The same proposal and approvals again, at the next position.
    assertThatThrownBy(() -> GovernanceChain.next(once, entry(once, p, a)))
        .isInstanceOf(Changes.Refused.class)
        .hasMessageContaining("applied already");
    // The approvals of p attached to another proposal.
    SignedProposal q = Documents.propose(ops("DE", "ops-1"), quota("JP", 8), "y", now, 60_000);
    GovernanceChain.Decision d = GovernanceChain.decide(once, q, a);
    assertThat(d.tally().approving()).isEmpty();
    // A link replayed from another state, or out of sequence.
    assertThatThrownBy(
            () -> GovernanceChain.next(once, entry(s, q, approvals(q, now, "DE", "FR", "JP"))))
        .isInstanceOf(Changes.Refused.class);
  }

  @Test
  void aProposalChangedAfterApproval_isAnotherProposal() throws Exception {
    GovernedState s = founded();
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "x", now, 60_000);
    List<SignedApproval> a = approvals(p, now, "DE", "FR", "JP");
    Proposal changed =
        Proposal.parseFrom(p.getBody()).toBuilder().setChange(quota("FR", 800)).build();
    SignedProposal resigned = Documents.sign(ops("DE", "ops-1"), changed);

    GovernanceChain.Decision d = GovernanceChain.decide(s, resigned, a);

    assertThat(d.tally().approving()).isEmpty();
    assertThat(d.tally().reasons()).allMatch(r -> r.contains("changed after approval"));
    assertThatThrownBy(() -> GovernanceChain.next(s, entry(s, resigned, a)))
        .isInstanceOf(Changes.Refused.class);
  }

  @Test
  void genesis_needsEveryFoundingNation_underItsOwnRoot() throws Exception {
    assertThatThrownBy(() -> GovernanceChain.genesis(genesis(3, List.of("DE", "FR", "JP"))))
        .isInstanceOf(Changes.Refused.class)
        .hasMessageContaining("missing [IT]");
    // IT's slot signed with a DE operator's key: DE signed twice, IT never.
    SignedGenesis g = genesis(3, List.of("DE", "FR", "JP"));
    SignedGenesis forged = Documents.cosign(g, ops("DE", "second"));
    assertThatThrownBy(() -> GovernanceChain.genesis(forged))
        .isInstanceOf(Changes.Refused.class)
        .hasMessageContaining("missing [IT]");
  }

  @Test
  void aNodeCannotApprove_andAProposerMustBeWhoSigned() throws Exception {
    GovernedState s = founded();
    SignedProposal p = Documents.propose(ops("DE", "ops-1"), quota("FR", 8), "x", now, 60_000);
    KeyMaterial node = pki.issue(new Identity("FR", Role.NODE, "gpu-1"));
    SignedApproval byNode = Documents.approve(node, p, id(p), now);

    GovernanceChain.Decision d = GovernanceChain.decide(s, p, List.of(byNode));
    assertThat(d.tally().approving()).isEmpty();
    assertThat(d.tally().reasons().get(0)).contains("not an operator");

    Proposal other =
        Proposal.parseFrom(p.getBody()).toBuilder()
            .setProposer("entente://FR/operator/ops-1")
            .build();
    assertThat(
            GovernanceChain.decide(s, Documents.sign(ops("DE", "ops-1"), other), List.of())
                .proposer())
        .isNull();
  }
}
