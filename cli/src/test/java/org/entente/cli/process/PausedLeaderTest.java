package org.entente.cli.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
import org.awaitility.Awaitility;
import org.entente.agent.NodeAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader frozen with SIGSTOP for longer than its ZooKeeper session, then thawed with SIGCONT,
 * gets no write accepted after the new leader's first write (its epoch bump): every znode changed
 * after that point was written by the new leader's epoch or by a live session.
 */
class PausedLeaderTest {
  private static final Duration SESSION = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void pausedLeader_resumedAfterSessionExpiry_noWriteAcceptedAfterNewLeadersFirstWrite(
      @TempDir Path dir) throws Exception {
    try (ProcessFederation f =
        ProcessFederation.start(
            dir, List.of("DE", "FR", "JP"), 2, SESSION, Duration.ofSeconds(1))) {
      FailoverDrill.awaitSteady(f, SESSION);
      CuratorFramework zk = f.zk();
      String old = f.leaders().get(0);
      ReplicaProcess paused = f.replica(old);
      String replicaPath = ProcessFederation.CHROOT + "/coordinators/replicas/" + old;
      long oldSession = zk.checkExists().forPath(replicaPath).getEphemeralOwner();
      long oldEpoch = f.epoch();

      paused.pause();
      Awaitility.await("a new leader while " + old + " is frozen")
          .atMost(SESSION.multipliedBy(3).plusSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> f.epoch() > oldEpoch);
      Stat fence = zk.checkExists().forPath(ProcessFederation.CHROOT + "/coordinators/epoch");
      long newEpoch = f.epoch();
      // Stay frozen until the agents it held have moved: the new leader writes roster changes.
      Awaitility.await("agents moved off the frozen replica")
          .atMost(Duration.ofSeconds(40))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  f.agents().stream()
                      .allMatch(
                          a -> a.isRegistered() && !a.replica().endsWith("@" + paused.address())));

      paused.resume();
      Awaitility.await(old + " notices it no longer leads and rejoins with a new session")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                Stat s = zk.checkExists().forPath(replicaPath);
                return paused.output().contains("stops leading")
                    && f.metric(paused, "entente_leader") == 0.0
                    && s != null
                    && s.getEphemeralOwner() != oldSession;
              });
      List<String> violations = new ArrayList<>();
      walk(zk, ProcessFederation.CHROOT, fence.getMzxid(), oldSession, newEpoch, violations);
      assertThat(violations).as("writes accepted after the new leader's epoch write").isEmpty();
      assertThat(f.epoch()).as("the frozen leader never bumped the epoch").isEqualTo(newEpoch);
      assertThat(f.leaders()).hasSize(1).doesNotContain(old);
      assertThat(f.agents()).allMatch(NodeAgent::isRegistered);
      System.out.printf(
          "paused leader %s: epoch %d -> %d; fenced writes it attempted after thawing: %.0f%n",
          old, oldEpoch, newEpoch, f.metric(paused, "entente_fenced_writes_rejected_total"));
    }
  }

  private static void walk(
      CuratorFramework zk,
      String path,
      long fenceZxid,
      long oldSession,
      long newEpoch,
      List<String> out)
      throws Exception {
    Stat stat = new Stat();
    byte[] data = zk.getData().storingStatIn(stat).forPath(path);
    if (stat.getMzxid() > fenceZxid) {
      if (stat.getEphemeralOwner() == oldSession) {
        out.add(path + " written by the frozen leader's session");
      }
      if (path.startsWith(ProcessFederation.CHROOT + "/roster/")
          && data != null
          && data.length > 0) {
        JsonNode entry = JSON.readTree(data);
        if (entry.has("epoch") && entry.get("epoch").asLong() < newEpoch) {
          out.add(path + " written with old epoch " + entry.get("epoch").asLong());
        }
      }
    }
    for (String child : zk.getChildren().forPath(path)) {
      walk(zk, path + "/" + child, fenceZxid, oldSession, newEpoch, out);
    }
  }
}
