package org.entente.coordinator.governance;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.AlreadyExistsException;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.grpc.Calls;
import org.entente.proto.v1.Approval;
import org.entente.proto.v1.ApproveRequest;
import org.entente.proto.v1.GetGovernedStateRequest;
import org.entente.proto.v1.GetProposalRequest;
import org.entente.proto.v1.GovernanceServiceGrpc;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.GovernedStateStatus;
import org.entente.proto.v1.ListProposalsRequest;
import org.entente.proto.v1.ListProposalsResponse;
import org.entente.proto.v1.Proposal;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.ProposeRequest;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.Identity;
import org.entente.security.PeerIdentity;
import org.entente.security.governance.GovernanceChain;
import org.entente.security.governance.GovernedStates;

/**
 * {@code GovernanceService} on every replica: stores signed proposals and approvals after checking
 * them against the state this replica verified, and shows how each proposal stands. Storing changes
 * nothing by itself; the leader applies a proposal once its approvals count. Thread-safe.
 */
public final class GovernanceApiService extends GovernanceServiceGrpc.GovernanceServiceImplBase {
  /** The longest a proposal may stay open. */
  public static final Duration MAX_TTL = Duration.ofDays(30);

  /** How far a signed time may lie ahead of this replica's clock. */
  static final Duration SKEW = Duration.ofMinutes(5);

  private final GovernanceStore store;
  private final GovernanceKeeper keeper;
  private final Runnable nudgeLeader;
  private final Clock clock;
  private final java.util.function.Supplier<org.entente.proto.v1.TrustUpdate> trust;

  public GovernanceApiService(
      GovernanceStore store,
      GovernanceKeeper keeper,
      Runnable nudgeLeader,
      Clock clock,
      java.util.function.Supplier<org.entente.proto.v1.TrustUpdate> trust) {
    this.store = store;
    this.keeper = keeper;
    this.nudgeLeader = nudgeLeader;
    this.clock = clock;
    this.trust = trust;
  }

  /** Any member identity may ask: what it gets is signed, and it verifies it itself. */
  @Override
  public void getTrust(
      org.entente.proto.v1.GetTrustRequest req,
      StreamObserver<org.entente.proto.v1.TrustUpdate> out) {
    Calls.unary(out, trust::get);
  }

  @Override
  public void propose(ProposeRequest req, StreamObserver<ProposalStatus> out) {
    Calls.unary(
        out,
        () -> {
          Identity caller = PeerIdentity.current().identity();
          AccessPolicy.check(caller, Action.GOVERN, "", "");
          SignedProposal p = req.getProposal();
          Proposal body;
          try {
            body = Proposal.parseFrom(p.getBody());
          } catch (InvalidProtocolBufferException e) {
            throw new InvalidRequestException("proposal.body", "does not decode as a Proposal");
          }
          if (!body.getId().matches("p-[0-9a-f]{16}")) {
            throw new InvalidRequestException("proposal.id", "expected p-<16 hex digits>");
          }
          long now = clock.millis();
          if (body.getCreatedUnixMs() > now + SKEW.toMillis()) {
            throw new InvalidRequestException(
                "proposal.created_unix_ms", "lies in the future; check the proposer's clock");
          }
          if (body.getExpiresUnixMs() <= now) {
            throw new InvalidRequestException("proposal.expires_unix_ms", "has passed already");
          }
          if (body.getExpiresUnixMs() - body.getCreatedUnixMs() > MAX_TTL.toMillis()) {
            throw new InvalidRequestException(
                "proposal.expires_unix_ms", "a proposal may stay open at most 30 days");
          }
          if (body.getReason().isBlank() || body.getReason().length() > 1024) {
            throw new InvalidRequestException(
                "proposal.reason", "say why (1-1024 characters); approvers read it");
          }
          GovernedState s = keeper.state();
          GovernanceChain.Decision d = GovernanceChain.decide(s, p, List.of());
          if (d.proposer() == null) {
            throw new InvalidRequestException("proposal.signature", d.refused());
          }
          if (d.refused() != null) {
            throw new ConflictException(
                "proposal cannot apply to the governed state: " + d.refused());
          }
          if (!store.propose(body.getId(), p)) {
            throw new AlreadyExistsException("a proposal " + body.getId() + " exists already");
          }
          return status(body.getId(), p, s);
        });
  }

  @Override
  public void approve(ApproveRequest req, StreamObserver<ProposalStatus> out) {
    Calls.unary(
        out,
        () -> {
          Identity caller = PeerIdentity.current().identity();
          AccessPolicy.check(caller, Action.GOVERN, "", "");
          SignedApproval a = req.getApproval();
          Approval body;
          try {
            body = Approval.parseFrom(a.getBody());
          } catch (InvalidProtocolBufferException e) {
            throw new InvalidRequestException("approval.body", "does not decode as an Approval");
          }
          if (!body.getApprover().equals(caller.toUri())) {
            throw new InvalidRequestException(
                "approval.approver",
                "names " + body.getApprover() + "; operators send their own approvals");
          }
          String id = body.getProposalId();
          if (!id.matches("p-[0-9a-f]{16}")) {
            throw new InvalidRequestException("approval.proposal_id", "expected p-<16 hex digits>");
          }
          SignedProposal p =
              store.proposal(id).orElseThrow(() -> new NotFoundException("no proposal " + id));
          if (body.getSignedUnixMs() > clock.millis() + SKEW.toMillis()) {
            throw new InvalidRequestException(
                "approval.signed_unix_ms", "lies in the future; check the approver's clock");
          }
          GovernedState s = keeper.state();
          if (s.getAppliedList().contains(id)) {
            throw new ConflictException("proposal " + id + " was applied already");
          }
          GovernanceChain.Decision d = GovernanceChain.decide(s, p, List.of(a));
          if (d.proposal() != null && clock.millis() > d.proposal().getExpiresUnixMs()) {
            throw new ConflictException("proposal " + id + " has expired");
          }
          String why = d.tally().reasons().isEmpty() ? "no vote" : d.tally().reasons().get(0);
          if (why != null) {
            throw new InvalidRequestException("approval", "does not count: " + why);
          }
          if (d.refused() != null) {
            throw new ConflictException("proposal cannot apply any more: " + d.refused());
          }
          if (!store.approve(id, caller.nation(), caller.name(), a)) {
            throw new AlreadyExistsException(caller + " approved " + id + " already");
          }
          nudgeLeader.run();
          return status(id, p, s);
        });
  }

  @Override
  public void listProposals(ListProposalsRequest req, StreamObserver<ListProposalsResponse> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_FEDERATION, "", "");
          GovernedState s = keeper.state();
          ListProposalsResponse.Builder b = ListProposalsResponse.newBuilder();
          for (String id : store.proposalIds()) {
            Optional<SignedProposal> p = store.proposal(id);
            if (p.isEmpty()) {
              continue;
            }
            ProposalStatus st = status(id, p.get(), s);
            if (req.getAll() || st.getOutcome().equals("pending")) {
              b.addProposals(st);
            }
          }
          return b.setState(stateStatus(s)).build();
        });
  }

  @Override
  public void getProposal(GetProposalRequest req, StreamObserver<ProposalStatus> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_FEDERATION, "", "");
          if (!req.getId().matches("p-[0-9a-f]{16}")) {
            throw new InvalidRequestException("id", "expected p-<16 hex digits>");
          }
          SignedProposal p =
              store
                  .proposal(req.getId())
                  .orElseThrow(() -> new NotFoundException("no proposal " + req.getId()));
          return status(req.getId(), p, keeper.state());
        });
  }

  @Override
  public void getGovernedState(
      GetGovernedStateRequest req, StreamObserver<GovernedStateStatus> out) {
    Calls.unary(
        out,
        () -> {
          Identity caller = PeerIdentity.current().identity();
          if (caller.role() != org.entente.security.Role.AUDITOR) {
            AccessPolicy.check(caller, Action.READ_FEDERATION, "", "");
          }
          return stateStatus(keeper.state());
        });
  }

  private ProposalStatus status(String id, SignedProposal p, GovernedState s) throws Exception {
    return ProposalViews.status(
        id, p, store.approvals(id), s, keeper.applied(id).orElse(null), clock.millis());
  }

  private GovernedStateStatus stateStatus(GovernedState s) {
    return GovernedStateStatus.newBuilder()
        .setState(s)
        .setStateSha256(ByteString.copyFrom(GovernedStates.sha256(s)))
        .addAllAlarms(keeper.alarms())
        .build();
  }
}
