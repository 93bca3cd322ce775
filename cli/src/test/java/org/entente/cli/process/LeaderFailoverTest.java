package org.entente.cli.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL the leader replica's process 20 times. Each time: exactly one new leader, agents
 * reconnected to live replicas, no node listed twice. Timing figures are reported by the benchmark
 * ({@code FailoverBench}); here a failover only has to happen.
 */
class LeaderFailoverTest {
  private static final Duration SESSION = Duration.ofSeconds(3);

  @Test
  void killLeader_twentyTimes_exactlyOneNewLeaderAndAgentsReconnectEachTime(@TempDir Path dir)
      throws Exception {
    try (ProcessFederation f =
        ProcessFederation.start(
            dir, List.of("DE", "FR", "JP"), 2, SESSION, Duration.ofSeconds(1))) {
      FailoverDrill.Result r = FailoverDrill.run(f, 20, SESSION, System.out::println);

      assertThat(r.killToLeader()).hasSize(20);
      System.out.printf(
          "failover with %d ms sessions: p50 %d ms, p99 %d ms, max %d ms%n",
          SESSION.toMillis(),
          r.percentile(50).toMillis(),
          r.percentile(99).toMillis(),
          r.max().toMillis());
    }
  }
}
