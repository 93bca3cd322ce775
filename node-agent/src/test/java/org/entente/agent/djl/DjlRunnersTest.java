package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.entente.agent.shards.RunnerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlRunnersTest {
  @TempDir Path dir;

  @Test
  void registry_bothKinds_djlRunners() {
    RunnerRegistry registry = DjlRunners.registry(new FakeShardServices(dir, 1));

    assertThat(registry.kinds()).containsExactly("inference", "training");
    assertThat(registry.runnerFor("training")).containsInstanceOf(TrainingRunner.class);
    assertThat(registry.runnerFor("inference")).containsInstanceOf(InferenceRunner.class);
  }
}
