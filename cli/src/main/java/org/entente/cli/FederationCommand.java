package org.entente.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;
import org.entente.proto.v1.ReplicaStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente federation}: member nations, replicas, leader and epoch. */
@Command(
    name = "federation",
    mixinStandardHelpOptions = true,
    description = "Show member nations, coordinator replicas, the leader and its epoch.")
public final class FederationCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    FederationStatus f;
    try (FederationClient c = client.open()) {
      f = c.call(s -> s.getFederation(GetFederationRequest.getDefaultInstance()));
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("nations", f.getNationsList());
      m.put("leader", f.getLeader());
      m.put("epoch", f.getEpoch());
      List<Map<String, Object>> replicas = new ArrayList<>();
      for (ReplicaStatus r : f.getReplicasList()) {
        replicas.add(
            Map.of(
                "nation",
                r.getNation(),
                "name",
                r.getName(),
                "address",
                r.getAddress(),
                "leader",
                r.getLeader()));
      }
      m.put("replicas", replicas);
      m.put("answeredBy", f.getAnsweredBy());
      Output.json(w, m);
      return ExitCodes.OK;
    }
    w.printf(
        "nations  %s%nleader   %s (epoch %d)%n%n",
        String.join(", ", f.getNationsList()),
        f.getLeader().isEmpty() ? "(election running)" : f.getLeader(),
        f.getEpoch());
    List<List<String>> rows = new ArrayList<>();
    for (ReplicaStatus r : f.getReplicasList()) {
      rows.add(
          List.of(
              r.getNation(), r.getName(), r.getAddress(), r.getLeader() ? "leader" : "follower"));
    }
    Output.table(w, List.of("NATION", "REPLICA", "ADDRESS", "ROLE"), rows);
    return ExitCodes.OK;
  }
}
