package org.entente.cli.gov;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.ApproveRequest;
import org.entente.proto.v1.GetProposalRequest;
import org.entente.proto.v1.Proposal;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.SignedApproval;
import org.entente.security.KeyMaterial;
import org.entente.security.governance.Changes;
import org.entente.security.governance.Documents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code entente gov approve}: shows what a proposal changes, asks, then signs an approval of its
 * exact bytes with the operator key and sends it.
 */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description =
        "Approve a pending proposal for your nation: shows what it changes and asks before"
            + " signing. The approval names the proposal's exact bytes.")
public final class ApproveCommand implements Callable<Integer> {
  /** How long to wait for the leader to apply a proposal whose approvals reached the threshold. */
  private static final long APPLY_WAIT_MS = 5_000;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "The proposal id (p-...).")
  String id;

  @Option(names = "--yes", description = "Approve without asking.")
  boolean yes;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    KeyMaterial keys = OperatorKeys.load(spec);
    PrintWriter w = spec.commandLine().getOut();
    try (FederationClient c = client.open()) {
      ProposalStatus st = get(c);
      // What is shown and signed comes from the proposal's own bytes, not the replica's summary.
      Proposal p = Proposals.body(st.getProposal(), "the replica's answer");
      if (!p.getId().equals(id)) {
        throw new UserException(
            ExitCodes.INVALID, "the replica served proposal " + p.getId() + " for " + id);
      }
      long now = System.currentTimeMillis();
      w.printf("proposal   %s (%s)%n", id, Changes.kind(p.getChange()));
      w.printf("changes    %s%n", Changes.summary(p.getChange()));
      w.printf("proposer   %s%n", p.getProposer());
      w.printf("reason     %s%n", p.getReason());
      w.printf("expires    %s%n", GovText.when(now, p.getExpiresUnixMs()));
      w.printf(
          "approved   %s (needs %d nations)%n",
          GovText.list(st.getApprovingNationsList()), st.getRequired());
      w.flush();
      switch (st.getOutcome()) {
        case "pending" -> {}
        case "applied" ->
            throw new UserException(
                ExitCodes.CONFLICT,
                "proposal "
                    + id
                    + " was applied already (sequence "
                    + st.getAppliedSequence()
                    + ")");
        case "refused" ->
            throw new UserException(
                ExitCodes.CONFLICT,
                "proposal " + id + " cannot apply to the governed state: " + st.getRefused());
        default ->
            throw new UserException(
                ExitCodes.CONFLICT,
                "proposal " + id + " is " + st.getOutcome() + "; nothing to approve");
      }
      if (!yes) {
        confirm(w);
      }
      SignedApproval a = Documents.approve(keys, st.getProposal(), id, System.currentTimeMillis());
      ProposalStatus after =
          c.governance(s -> s.approve(ApproveRequest.newBuilder().setApproval(a).build()));
      w.printf("approved %s as %s%n", id, keys.identity());
      report(w, c, after);
    }
    return ExitCodes.OK;
  }

  private ProposalStatus get(FederationClient c) {
    return c.governance(s -> s.getProposal(GetProposalRequest.newBuilder().setId(id).build()));
  }

  private void confirm(PrintWriter w) {
    w.print("Approve? [y/N] ");
    w.flush();
    String answer;
    try {
      answer =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      answer = null;
    }
    if (answer == null) {
      throw new UserException(
          ExitCodes.ABORTED,
          "no answer on stdin; nothing was signed (--yes approves without asking)");
    }
    String a = answer.trim().toLowerCase(Locale.ROOT);
    if (!a.equals("y") && !a.equals("yes")) {
      throw new UserException(ExitCodes.ABORTED, "not approved; nothing was signed");
    }
  }

  /** Prints how the proposal stands; waits briefly for the leader once enough nations approved. */
  private void report(PrintWriter w, FederationClient c, ProposalStatus st) {
    long deadline = System.currentTimeMillis() + APPLY_WAIT_MS;
    while (st.getOutcome().equals("pending")
        && st.getApprovingNationsCount() >= st.getRequired()
        && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      st = get(c);
    }
    String approved =
        GovText.list(st.getApprovingNationsList())
            + " ("
            + st.getApprovingNationsCount()
            + " of "
            + st.getRequired()
            + " needed)";
    switch (st.getOutcome()) {
      case "applied" ->
          w.printf(
              "applied at governance sequence %d; approved by %s%n",
              st.getAppliedSequence(), approved);
      case "pending" -> {
        if (st.getApprovingNationsCount() >= st.getRequired()) {
          w.printf("pending: approved by %s; the leader applies it shortly%n", approved);
        } else {
          w.printf(
              "pending: approved by %s; missing %s%n",
              approved, GovText.list(st.getMissingNationsList()));
        }
      }
      default -> {
        w.flush();
        throw new UserException(
            ExitCodes.CONFLICT,
            "proposal "
                + id
                + " is "
                + st.getOutcome()
                + (st.getRefused().isEmpty() ? "" : ": " + st.getRefused()));
      }
    }
    w.flush();
  }
}
