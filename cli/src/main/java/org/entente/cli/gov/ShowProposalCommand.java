package org.entente.cli.gov;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.ApprovalView;
import org.entente.proto.v1.GetProposalRequest;
import org.entente.proto.v1.ProposalStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente gov show}. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description =
        "Show one proposal: what it changes, who proposed it and why, its outcome, and each"
            + " approval with whether it counts and, if not, why.")
public final class ShowProposalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "The proposal id (p-...).")
  String id;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    ProposalStatus p;
    try (FederationClient c = client.open()) {
      p = c.governance(s -> s.getProposal(GetProposalRequest.newBuilder().setId(id).build()));
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Output.json(w, GovText.json(p));
      return ExitCodes.OK;
    }
    long now = System.currentTimeMillis();
    w.printf("id         %s%n", p.getId());
    w.printf("kind       %s%n", p.getKind());
    w.printf("changes    %s%n", p.getSummary());
    w.printf("proposer   %s%n", p.getProposer());
    w.printf("reason     %s%n", p.getReason());
    w.printf("created    %s%n", GovText.when(now, p.getCreatedUnixMs()));
    w.printf("expires    %s%n", GovText.when(now, p.getExpiresUnixMs()));
    String outcome = p.getOutcome();
    if (outcome.equals("applied")) {
      outcome += " at governance sequence " + p.getAppliedSequence();
    } else if (!p.getRefused().isEmpty()) {
      outcome += ": " + p.getRefused();
    }
    w.printf("outcome    %s%n", outcome);
    w.printf(
        "approved   %s (%d of %d needed)%n",
        GovText.list(p.getApprovingNationsList()), p.getApprovingNationsCount(), p.getRequired());
    w.printf("missing    %s%n", GovText.list(p.getMissingNationsList()));
    if (p.getApprovalsCount() > 0) {
      w.println();
      List<List<String>> rows = new ArrayList<>();
      for (ApprovalView a : p.getApprovalsList()) {
        rows.add(
            List.of(
                a.getApprover(),
                a.getNation(),
                GovText.when(now, a.getSignedUnixMs()),
                a.getCounts() ? "yes" : "no",
                a.getRefused().isEmpty() ? "-" : a.getRefused()));
      }
      Output.table(w, List.of("APPROVER", "NATION", "SIGNED", "COUNTS", "REFUSED"), rows);
    }
    w.flush();
    return ExitCodes.OK;
  }
}
