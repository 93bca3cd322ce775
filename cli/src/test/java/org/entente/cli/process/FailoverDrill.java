package org.entente.cli.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.entente.agent.NodeAgent;
import org.entente.proto.v1.NodeStatus;

/**
 * Kills the leading replica's process with SIGKILL, again and again, and checks each time that
 * exactly one new leader takes over, every agent is registered with a live replica, and no node is
 * listed twice; then restarts the killed replica in place. Records kill-to-new-leader times, where
 * "new leader" is the moment the new epoch is in ZooKeeper.
 */
public final class FailoverDrill {
  /** The measured failovers. Immutable. */
  public record Result(List<Duration> killToLeader, Duration session) {
    public Duration percentile(double p) {
      List<Duration> sorted = new ArrayList<>(killToLeader);
      Collections.sort(sorted);
      int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    public Duration max() {
      return Collections.max(killToLeader);
    }
  }

  private FailoverDrill() {}

  public static Result run(
      ProcessFederation f, int kills, Duration session, Consumer<String> progress)
      throws Exception {
    List<Duration> times = new ArrayList<>();
    for (int i = 1; i <= kills; i++) {
      awaitSteady(f, session);
      String leader = f.leaders().get(0);
      long epoch = f.epoch();
      ReplicaProcess victim = f.replica(leader);
      long t0 = System.nanoTime();
      victim.kill();
      Awaitility.await("a new epoch after killing " + leader)
          .atMost(session.multipliedBy(3).plusSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> f.epoch() > epoch);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      times.add(took);
      Awaitility.await("exactly one leader among the survivors")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> f.leaders().size() == 1);
      assertThat(f.leaders()).doesNotContain(leader);
      awaitAgentsOnLiveReplicas(f, session);
      assertListedOnce(f);
      progress.accept(
          String.format(
              "kill %2d: %s led epoch %d; new leader %s (epoch %d) after %d ms; agents reconnected",
              i, leader, epoch, f.leaders().get(0), f.epoch(), took.toMillis()));
      victim.start(Duration.ofSeconds(60));
    }
    return new Result(times, session);
  }

  /** One leader, every agent registered, one presence znode per agent. */
  public static void awaitSteady(ProcessFederation f, Duration session) {
    Awaitility.await("one leader and all agents registered")
        .atMost(session.multipliedBy(3).plusSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                f.leaders().size() == 1
                    && f.agents().stream().allMatch(NodeAgent::isRegistered)
                    && f.presence().size() == f.agents().size());
  }

  private static void awaitAgentsOnLiveReplicas(ProcessFederation f, Duration session) {
    List<String> dead =
        f.replicas().values().stream()
            .filter(r -> !r.isAlive())
            .map(r -> "@" + r.address())
            .toList();
    Awaitility.await("agents registered with live replicas")
        .atMost(session.plusSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                f.agents().stream()
                        .allMatch(
                            a ->
                                a.isRegistered()
                                    && dead.stream().noneMatch(d -> a.replica().endsWith(d)))
                    && f.presence().size() == f.agents().size());
  }

  /** Each agent appears exactly once, ACTIVE. */
  public static void assertListedOnce(ProcessFederation f) {
    Awaitility.await("every node listed once and ACTIVE")
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              // Each agent's stream is held by exactly one live replica, by the replicas' own
              // count.
              double held =
                  f.replicas().values().stream()
                      .filter(ReplicaProcess::isAlive)
                      .mapToDouble(r -> f.metric(r, "entente_agent_streams"))
                      .sum();
              assertThat(held).isEqualTo(f.agents().size());
              List<NodeStatus> nodes = f.listNodes();
              List<String> names =
                  nodes.stream().map(n -> n.getNation() + "/" + n.getName()).toList();
              assertThat(new HashSet<>(names)).hasSameSizeAs(names);
              assertThat(names).hasSize(f.agents().size());
              assertThat(nodes).allMatch(n -> n.getState().equals("ACTIVE"), "all ACTIVE");
            });
  }
}
