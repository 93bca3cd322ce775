package org.entente.agent.djl;

import java.util.Map;
import org.entente.agent.shards.RunnerRegistry;
import org.entente.agent.shards.ShardServices;

/** The DJL workloads as an agent's runners. Stateless and thread-safe. */
public final class DjlRunners {
  private DjlRunners() {}

  /**
   * {@code training} runs a {@link TrainingRunner}, {@code inference} an {@link InferenceRunner},
   * both over {@code services}. Unless the {@code ai.djl.offline} system property is already set,
   * sets it to {@code true}: the agent uses the native library shipped in its jars and never
   * downloads one.
   */
  public static RunnerRegistry registry(ShardServices services) {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    return RunnerRegistry.of(
        Map.of(
            "training", new TrainingRunner(services), "inference", new InferenceRunner(services)));
  }
}
