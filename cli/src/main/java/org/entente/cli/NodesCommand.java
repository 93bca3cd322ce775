package org.entente.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.ListNodesResponse;
import org.entente.proto.v1.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente nodes}: list the federation's nodes. */
@Command(
    name = "nodes",
    mixinStandardHelpOptions = true,
    description = "List nodes: nation, GPUs, state, last heartbeat.")
public final class NodesCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--nation", description = "Only this nation's nodes.")
  String nation;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    ListNodesResponse r;
    try (FederationClient c = client.open()) {
      r =
          c.call(
              s ->
                  s.listNodes(
                      ListNodesRequest.newBuilder()
                          .setNation(nation == null ? "" : nation)
                          .build()));
    }
    var w = spec.commandLine().getOut();
    if (json) {
      List<Map<String, Object>> nodes = new ArrayList<>();
      for (NodeStatus n : r.getNodesList()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nation", n.getNation());
        m.put("name", n.getName());
        m.put("state", n.getState());
        m.put("cpuCores", n.getResources().getCpuCores());
        m.put("memoryBytes", n.getResources().getMemoryBytes());
        m.put(
            "gpus",
            n.getResources().getGpusList().stream()
                .map(
                    g ->
                        Map.of(
                            "index",
                            g.getIndex(),
                            "model",
                            g.getModel(),
                            "memoryBytes",
                            g.getMemoryBytes()))
                .toList());
        m.put("labels", n.getResources().getLabelsMap());
        m.put("replica", n.getReplica());
        m.put(
            "lastHeartbeat",
            n.getLastHeartbeatUnixMs() == 0
                ? null
                : Instant.ofEpochMilli(n.getLastHeartbeatUnixMs()).toString());
        m.put(
            "firstSeen",
            n.getFirstSeenUnixMs() == 0
                ? null
                : Instant.ofEpochMilli(n.getFirstSeenUnixMs()).toString());
        nodes.add(m);
      }
      Output.json(w, Map.of("nodes", nodes));
      return ExitCodes.OK;
    }
    long now = System.currentTimeMillis();
    List<List<String>> rows = new ArrayList<>();
    for (NodeStatus n : r.getNodesList()) {
      long gpuMem = n.getResources().getGpusList().stream().mapToLong(Gpu::getMemoryBytes).sum();
      rows.add(
          List.of(
              n.getNation(),
              n.getName(),
              n.getState(),
              Integer.toString(n.getResources().getGpusCount()),
              Output.gib(gpuMem),
              Integer.toString(n.getResources().getCpuCores()),
              Output.gib(n.getResources().getMemoryBytes()),
              n.getReplica().isEmpty() ? "-" : n.getReplica().replaceAll("@.*", ""),
              n.getLastHeartbeatUnixMs() == 0 ? "-" : ago(now - n.getLastHeartbeatUnixMs())));
    }
    Output.table(
        w,
        List.of(
            "NATION",
            "NODE",
            "STATE",
            "GPUS",
            "GPU-MEM",
            "CPUS",
            "MEMORY",
            "REPLICA",
            "LAST-HEARTBEAT"),
        rows);
    w.printf("%d node(s)%n", rows.size());
    w.flush();
    return ExitCodes.OK;
  }

  static String ago(long ms) {
    if (ms < 0) {
      return "just now";
    }
    return ms < 60_000
        ? String.format(java.util.Locale.ROOT, "%.1fs ago", ms / 1000.0)
        : (ms / 60_000) + "m ago";
  }
}
