package org.entente.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.entente.cli.process.FailoverDrill;
import org.entente.cli.process.ProcessFederation;

/**
 * Leader failover: SIGKILL the leading replica's process N times (three replica JVMs, six agents, a
 * real ZooKeeper) and report kill-to-new-leader p50/p99/max against the target of session timeout +
 * 1 s. Usage: {@code bench/run FailoverBench [--kills 20] [--session-ms 10000]}.
 */
public final class FailoverBench {
  private FailoverBench() {}

  public static void main(String[] args) throws Exception {
    int kills = Args.integer(args, "--kills", 20);
    Duration session = Duration.ofMillis(Args.integer(args, "--session-ms", 10_000));
    Path dir = Files.createTempDirectory("entente-failover");
    System.out.printf(
        "failover: %d SIGKILLs of the leader, session timeout %d ms%n", kills, session.toMillis());
    try (ProcessFederation f =
        ProcessFederation.start(
            dir, List.of("DE", "FR", "JP"), 2, session, Duration.ofSeconds(1))) {
      FailoverDrill.Result r = FailoverDrill.run(f, kills, session, System.out::println);
      long target = session.toMillis() + 1000;
      System.out.printf(
          "%nkill -> new leader over %d failovers: p50 %d ms, p99 %d ms, max %d ms%n"
              + "p99 / (session + 1 s) = %.3f (target <= 1.0)%n",
          kills,
          r.percentile(50).toMillis(),
          r.percentile(99).toMillis(),
          r.max().toMillis(),
          r.percentile(99).toMillis() / (double) target);
    }
  }
}
