package org.entente.cli.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.agent.AgentSettings;
import org.entente.agent.Backoff;
import org.entente.agent.artifacts.DataRoot;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.security.Names;

/**
 * {@code agent.yaml}, as documented in README and {@code deploy/examples/agent.yaml}. Immutable.
 */
public record AgentConfig(
    @JsonProperty(value = "identity", required = true) IdentityFiles identity,
    @JsonProperty(value = "trust", required = true) List<String> trust,
    @JsonProperty(value = "coordinators", required = true) List<String> coordinators,
    @JsonProperty("labels") Map<String, String> labels,
    @JsonProperty("reconnect") Reconnect reconnect,
    @JsonProperty("workDir") String workDir,
    @JsonProperty("dataRoots") List<DataRootEntry> dataRoots,
    @JsonProperty("metrics") Metrics metrics) {

  /** {@code metrics:} block: the port of the agent's Prometheus {@code /metrics} (omitted: off). */
  public record Metrics(@JsonProperty("port") Integer port) {}

  /** {@code reconnect:} block. */
  public record Reconnect(
      @JsonProperty("initialBackoff") Duration initialBackoff,
      @JsonProperty("maxBackoff") Duration maxBackoff) {}

  /**
   * One of {@code dataRoots:}: a directory whose files {@code file:} artifacts may name, and the
   * nations whose jobs may read them (omitted: only the node's own nation).
   */
  public record DataRootEntry(
      @JsonProperty(value = "path", required = true) String path,
      @JsonProperty("nations") List<String> nations) {}

  /**
   * A loaded agent config: settings, the labels the node advertises, the work directory (artifact
   * cache) and the data roots ({@code file:} artifacts), relative paths resolved against the config
   * file's directory.
   */
  public record Loaded(
      AgentSettings settings, Map<String, String> labels, Path workDir, List<DataRoot> dataRoots) {}

  public static Loaded load(Path file) {
    AgentConfig c = YamlFiles.read(file, AgentConfig.class);
    Path base = file.toAbsolutePath().getParent();
    for (int i = 0; i < c.coordinators().size(); i++) {
      HostPort.parse("coordinators[" + i + "]", c.coordinators().get(i));
    }
    try {
      Backoff backoff =
          new Backoff(
              c.reconnect() == null || c.reconnect().initialBackoff() == null
                  ? Duration.ofMillis(200)
                  : c.reconnect().initialBackoff(),
              c.reconnect() == null || c.reconnect().maxBackoff() == null
                  ? Duration.ofSeconds(5)
                  : c.reconnect().maxBackoff());
      AgentSettings s =
          new AgentSettings(
              c.identity().load(base),
              IdentityFiles.trust(base, c.trust()),
              c.coordinators(),
              backoff,
              Duration.ofSeconds(10),
              c.metrics() == null || c.metrics().port() == null ? -1 : c.metrics().port());
      Path work = base.resolve(c.workDir() == null ? "work" : c.workDir()).normalize();
      return new Loaded(
          s,
          c.labels() == null ? Map.of() : c.labels(),
          work,
          dataRoots(base, c.dataRoots(), s.keys().identity().nation()));
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "agent config: " + e.getMessage());
    }
  }

  private static List<DataRoot> dataRoots(Path base, List<DataRootEntry> entries, String own) {
    List<DataRoot> roots = new ArrayList<>();
    for (int i = 0; i < (entries == null ? 0 : entries.size()); i++) {
      DataRootEntry e = entries.get(i);
      String field = "field 'dataRoots[" + i + "]";
      if (e == null || e.path() == null || e.path().isBlank()) {
        throw new IllegalArgumentException(field + ".path': name a directory");
      }
      Set<String> nations;
      if (e.nations() == null) {
        nations = Set.of(own);
      } else if (e.nations().isEmpty()) {
        throw new IllegalArgumentException(
            field
                + ".nations': list at least one nation, or omit it for this node's own ("
                + own
                + ")");
      } else {
        nations = new LinkedHashSet<>();
        for (int j = 0; j < e.nations().size(); j++) {
          try {
            nations.add(Names.requireNation(e.nations().get(j)));
          } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(
                field + ".nations[" + j + "]': " + bad.getMessage(), bad);
          }
        }
      }
      roots.add(new DataRoot(base.resolve(e.path()).normalize(), nations));
    }
    return List.copyOf(roots);
  }
}
