package org.entente.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.entente.agent.NodeAgent;
import org.entente.cli.demo.LocalFederation;

/** Shared steps for tests that run client commands against an in-process federation. */
public final class TestFederation {
  /** How long a federation may take to converge after a change. */
  public static final Duration DEADLINE = Duration.ofSeconds(20);

  private static final ObjectMapper JSON = new ObjectMapper();

  private TestFederation() {}

  /**
   * Starts DE, FR and JP with one agent each running the placeholder workload, writes the operator
   * identities, awaits agents.
   */
  public static LocalFederation start(String zkConnect, String chroot, Path identities)
      throws Exception {
    return start(zkConnect, chroot, identities, LocalFederation.PLACEHOLDERS);
  }

  /** Like {@link #start(String, String, Path)}, with the agents' runners chosen. */
  public static LocalFederation start(
      String zkConnect, String chroot, Path identities, LocalFederation.Runners runners)
      throws Exception {
    LocalFederation f =
        LocalFederation.start(
            List.of("DE", "FR", "JP"),
            1,
            zkConnect,
            chroot,
            Duration.ofSeconds(4),
            identities.resolveSibling(identities.getFileName() + "-work"),
            runners,
            s -> {});
    try {
      f.writeIdentities(identities);
      await("every agent registered")
          .atMost(DEADLINE)
          .until(() -> f.agents().stream().allMatch(NodeAgent::isRegistered));
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  /** The agent of {@code nation}/{@code name}. */
  public static NodeAgent agent(LocalFederation f, String nation, String name) {
    return f.agents().stream()
        .filter(a -> a.identity().nation().equals(nation) && a.identity().name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** Parses JSON output. */
  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code NATION/name} to node object, from {@code entente nodes --json} output. */
  public static Map<String, JsonNode> nodesByKey(String jsonText) {
    Map<String, JsonNode> out = new TreeMap<>();
    for (JsonNode n : json(jsonText).get("nodes")) {
      out.put(n.get("nation").asText() + "/" + n.get("name").asText(), n);
    }
    return out;
  }

  /** The cells of each data row of a table printed by {@link Output#table}. */
  public static List<List<String>> tableRows(String out) {
    List<List<String>> rows = new ArrayList<>();
    boolean header = true;
    for (String line : out.lines().toList()) {
      if (line.isBlank() || line.matches("\\d+ node\\(s\\)")) {
        continue;
      }
      if (header) {
        header = false;
        continue;
      }
      rows.add(List.of(line.split("\\s{2,}")));
    }
    return rows;
  }
}
