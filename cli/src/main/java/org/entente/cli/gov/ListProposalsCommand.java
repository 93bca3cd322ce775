package org.entente.cli.gov;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.Output;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.ListProposalsRequest;
import org.entente.proto.v1.ListProposalsResponse;
import org.entente.proto.v1.ProposalStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente gov list}. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description =
        "List pending proposals (--all: applied, expired and refused ones too) with the nations"
            + " that approved each and how many it needs. Exits 8 if the replica refused governance"
            + " entries or hand-edited state, listed under REFUSED BY THIS REPLICA.")
public final class ListProposalsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--all", description = "Include applied, expired and refused proposals.")
  boolean all;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    ListProposalsResponse r;
    try (FederationClient c = client.open()) {
      r = c.governance(s -> s.listProposals(ListProposalsRequest.newBuilder().setAll(all).build()));
    }
    var w = spec.commandLine().getOut();
    List<String> alarms = r.getState().getAlarmsList();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("proposals", r.getProposalsList().stream().map(GovText::json).toList());
      m.put("alarms", alarms);
      Output.json(w, m);
      return Alarms.report(spec.commandLine().getErr(), alarms, false);
    }
    List<List<String>> rows = new ArrayList<>();
    for (ProposalStatus p : r.getProposalsList()) {
      rows.add(
          List.of(
              p.getId(),
              p.getKind(),
              p.getSummary(),
              GovText.list(p.getApprovingNationsList()),
              Integer.toString(p.getRequired()),
              p.getOutcome()));
    }
    Output.table(w, List.of("ID", "KIND", "SUMMARY", "APPROVED", "NEEDS", "OUTCOME"), rows);
    w.printf("%d proposal(s)%s%n", rows.size(), all ? "" : " pending");
    w.flush();
    return Alarms.report(spec.commandLine().getErr(), alarms, true);
  }
}
