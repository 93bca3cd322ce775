package org.entente.cli.gov;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.Output;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.GetGovernedStateRequest;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.GovernedStateStatus;
import org.entente.proto.v1.Member;
import org.entente.security.governance.GovernedStates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente gov state}. */
@Command(
    name = "state",
    mixinStandardHelpOptions = true,
    description =
        "Show the governed state as the answering replica derived it from the governance chain:"
            + " members and their quotas, the approval threshold, revoked certificates,"
            + " quarantined nodes, the scheduler policy, the chain sequence and the state's"
            + " SHA-256. Exits 8 if the replica refused entries or hand-edited state.")
public final class StateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    GovernedStateStatus r;
    try (FederationClient c = client.open()) {
      r = c.governance(s -> s.getGovernedState(GetGovernedStateRequest.getDefaultInstance()));
    }
    GovernedState s = r.getState();
    String sha = HexFormat.of().formatHex(r.getStateSha256().toByteArray());
    var w = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("federation", s.getFederation());
      m.put("sequence", s.getSequence());
      m.put("stateSha256", sha);
      m.put("members", s.getMembersList().stream().map(GovText::json).toList());
      m.put("threshold", s.getThreshold());
      m.put("required", GovernedStates.required(s));
      m.put("thresholdText", GovText.threshold(s.getThreshold(), s.getMembersCount()));
      m.put("policy", GovText.json(s.getPolicy()));
      m.put("revoked", s.getRevokedList());
      m.put("quarantined", s.getQuarantinedList());
      m.put("applied", s.getAppliedList());
      m.put("alarms", r.getAlarmsList());
      Output.json(w, m);
      return Alarms.report(spec.commandLine().getErr(), r.getAlarmsList(), false);
    }
    w.printf("federation   %s%n", s.getFederation());
    w.printf("sequence     %d%n", s.getSequence());
    w.printf("state        sha256 %s%n", sha);
    w.printf(
        "members      %s%n",
        GovText.list(s.getMembersList().stream().map(Member::getNation).toList()));
    w.printf("threshold    %s%n", GovText.threshold(s.getThreshold(), s.getMembersCount()));
    w.printf("policy       %s%n", GovText.policy(s.getPolicy()));
    w.printf("revoked      %s%n", GovText.list(s.getRevokedList()));
    w.printf("quarantined  %s%n", GovText.list(s.getQuarantinedList()));
    w.printf("applied      %d proposal(s)%n", s.getAppliedCount());
    w.println();
    List<List<String>> rows = new ArrayList<>();
    s.getMembersList().forEach(m -> rows.add(GovText.row(m)));
    Output.table(w, GovText.MEMBER_HEADER, rows);
    w.println("amounts are GPUs/CPUs/memory");
    w.flush();
    return Alarms.report(spec.commandLine().getErr(), r.getAlarmsList(), true);
  }
}
