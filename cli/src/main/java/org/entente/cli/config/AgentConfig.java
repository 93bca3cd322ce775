package org.entente.cli.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.entente.agent.AgentSettings;
import org.entente.agent.Backoff;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;

/** {@code agent.yaml}, as documented in README. Immutable. */
public record AgentConfig(
    @JsonProperty(value = "identity", required = true) IdentityFiles identity,
    @JsonProperty(value = "trust", required = true) List<String> trust,
    @JsonProperty(value = "coordinators", required = true) List<String> coordinators,
    @JsonProperty("labels") Map<String, String> labels,
    @JsonProperty("reconnect") Reconnect reconnect,
    @JsonProperty("workDir") String workDir) {

  /** {@code reconnect:} block. */
  public record Reconnect(
      @JsonProperty("initialBackoff") Duration initialBackoff,
      @JsonProperty("maxBackoff") Duration maxBackoff) {}

  /**
   * A loaded agent config: settings, the labels the node advertises, and the work directory
   * (artifact cache), relative paths resolved against the config file's directory.
   */
  public record Loaded(AgentSettings settings, Map<String, String> labels, Path workDir) {}

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
              Duration.ofSeconds(10));
      Path work = base.resolve(c.workDir() == null ? "work" : c.workDir()).normalize();
      return new Loaded(s, c.labels() == null ? Map.of() : c.labels(), work);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "agent config: " + e.getMessage());
    }
  }
}
