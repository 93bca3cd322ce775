package org.entente.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.RevokeCertificate;
import org.entente.proto.v1.SignedGenesis;
import org.entente.proto.v1.SignedProposal;
import org.entente.proto.v1.TrustUpdate;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.TrustBundle;
import org.entente.security.governance.Documents;
import org.entente.security.governance.GovernanceChain;
import org.junit.jupiter.api.Test;

/**
 * An agent decides what it trusts from the governance chain itself: approved revocations take
 * effect, a link without enough approvals and a genesis naming roots it was not given change
 * nothing, and a revocation list counts only under its own nation's root.
 */
class AgentTrustTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private final LocalPki pki = LocalPki.create(CLOCK, "DE", "FR", "JP");

  private KeyMaterial operator(String nation) {
    return pki.issue(new Identity(nation, Role.OPERATOR, "ops-1"));
  }

  private static Member member(LocalPki p, String nation) throws Exception {
    return Member.newBuilder()
        .setNation(nation)
        .setRootDer(ByteString.copyFrom(p.ca(nation).certificate().getEncoded()))
        .build();
  }

  private GovernanceEntry genesis() throws Exception {
    Genesis g =
        Genesis.newBuilder()
            .setVersion(1)
            .setFederation("test")
            .addMembers(member(pki, "DE"))
            .addMembers(member(pki, "FR"))
            .addMembers(member(pki, "JP"))
            .setCreatedUnixMs(CLOCK.millis())
            .build();
    SignedGenesis s = Documents.unsigned(g);
    for (String n : List.of("DE", "FR", "JP")) {
      s = Documents.cosign(s, operator(n));
    }
    return GovernanceEntry.newBuilder().setSequence(0).setGenesis(s).build();
  }

  private GovernanceEntry revoke(GovernedState before, X509Certificate cert, String... approvers) {
    Change c =
        Change.newBuilder()
            .setRevoke(
                RevokeCertificate.newBuilder()
                    .setNation("DE")
                    .setSerialHex(cert.getSerialNumber().toString(16)))
            .build();
    SignedProposal p = Documents.propose(operator("FR"), c, "test", CLOCK.millis(), 60_000);
    String id;
    try {
      id = org.entente.proto.v1.Proposal.parseFrom(p.getBody()).getId();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    List<org.entente.proto.v1.SignedApproval> approvals =
        java.util.Arrays.stream(approvers)
            .map(n -> Documents.approve(operator(n), p, id, CLOCK.millis()))
            .toList();
    return GovernanceChain.entry(before, p, approvals, CLOCK.millis(), 1);
  }

  private AgentTrust agent() {
    return new AgentTrust(pki.bundle(), new FederationTrust(pki.bundle()));
  }

  @Test
  void approvedRevocation_isTrusted_andAnUnderApprovedOneIsNot() throws Exception {
    KeyMaterial coordinator =
        pki.issue(new Identity("DE", Role.COORDINATOR, "coordinator"), "127.0.0.1");
    GovernanceEntry g = genesis();
    GovernedState s0 = GovernanceChain.genesis(g.getGenesis());
    AgentTrust t = agent();
    java.math.BigInteger serial = coordinator.certificate().getSerialNumber();

    // Approved by FR alone: one nation of the two needed. The agent does not follow it.
    assertThat(
            t.apply(
                TrustUpdate.newBuilder()
                    .addChain(g)
                    .addChain(revoke(s0, coordinator.certificate(), "FR"))
                    .build()))
        .isFalse();
    assertThat(t.trust().snapshot().isRevoked("DE", serial)).isFalse();
    assertThat(t.state().getSequence()).isZero();

    assertThat(
            t.apply(
                TrustUpdate.newBuilder()
                    .addChain(g)
                    .addChain(revoke(s0, coordinator.certificate(), "FR", "JP"))
                    .build()))
        .isTrue();
    assertThat(t.trust().snapshot().isRevoked("DE", serial)).isTrue();
    assertThat(t.state().getSequence()).isEqualTo(1);
  }

  @Test
  void genesisNamingARootTheAgentWasNotGiven_changesNothing() throws Exception {
    LocalPki other = LocalPki.create(CLOCK, "DE", "XX");
    Genesis g =
        Genesis.newBuilder()
            .setVersion(1)
            .addMembers(member(other, "DE"))
            .addMembers(member(other, "XX"))
            .setCreatedUnixMs(CLOCK.millis())
            .build();
    SignedGenesis s = Documents.unsigned(g);
    for (String n : List.of("DE", "XX")) {
      s = Documents.cosign(s, other.issue(new Identity(n, Role.OPERATOR, "ops")));
    }
    AgentTrust t = agent();
    TrustBundle before = t.trust().snapshot().bundle();

    boolean changed =
        t.apply(
            TrustUpdate.newBuilder()
                .addChain(GovernanceEntry.newBuilder().setSequence(0).setGenesis(s))
                .build());

    assertThat(changed).isFalse();
    assertThat(t.state()).isNull();
    assertThat(t.trust().snapshot().bundle()).isEqualTo(before);
    assertThat(t.trust().snapshot().bundle().nations()).doesNotContain("XX");
  }

  @Test
  void revocationList_countsUnderItsOwnNationsRootOnly() throws Exception {
    KeyMaterial node = pki.issue(new Identity("FR", Role.NODE, "gpu-1"));
    String crl =
        org.entente.security.Pem.encode(
            pki.ca("FR").revocationList(1, List.of(node.certificate().getSerialNumber())));
    AgentTrust t = agent();

    assertThat(t.apply(TrustUpdate.newBuilder().addRevocationListsPem(crl).build())).isTrue();

    assertThat(t.trust().snapshot().isRevoked("FR", node.certificate().getSerialNumber())).isTrue();
    assertThat(t.trust().snapshot().isRevoked("DE", node.certificate().getSerialNumber()))
        .isFalse();
  }
}
