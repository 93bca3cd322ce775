package org.entente.agent.shards;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Which {@link ShardRunner} runs a shard of each job kind. Immutable and thread-safe. */
public final class RunnerRegistry {
  private final Map<String, ShardRunner> byKind;

  private RunnerRegistry(Map<String, ShardRunner> byKind) {
    this.byKind = byKind;
  }

  /** Runners by job kind ({@code training}, {@code inference}). */
  public static RunnerRegistry of(Map<String, ShardRunner> byKind) {
    Map<String, ShardRunner> copy = new TreeMap<>();
    byKind.forEach(
        (kind, runner) -> {
          if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("a runner needs a job kind, got '" + kind + "'");
          }
          copy.put(kind, Objects.requireNonNull(runner, "runner for kind " + kind));
        });
    return new RunnerRegistry(Map.copyOf(copy));
  }

  /** Both job kinds run the {@link PlaceholderRunner}, until real workloads are plugged in. */
  public static RunnerRegistry placeholders() {
    PlaceholderRunner placeholder = new PlaceholderRunner();
    return of(Map.of("training", placeholder, "inference", placeholder));
  }

  public Optional<ShardRunner> runnerFor(String kind) {
    return Optional.ofNullable(byKind.get(kind));
  }

  /** The kinds this agent can run, sorted. */
  public Set<String> kinds() {
    return new TreeSet<>(byKind.keySet());
  }
}
