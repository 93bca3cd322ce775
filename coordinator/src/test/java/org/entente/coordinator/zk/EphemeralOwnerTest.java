package org.entente.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two sessions racing for one presence znode on a real ZooKeeper: the old owner's write or delete,
 * decided on what it read before the takeover, must never touch the new owner's node.
 */
class EphemeralOwnerTest {
  private static final String PATH = "/nodes/DE/gpu-1";
  private TestingServer server;
  private CuratorFramework a;
  private CuratorFramework b;

  @BeforeEach
  void up() throws Exception {
    server = new TestingServer(true);
    a = client();
    b = client();
  }

  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
    c.start();
    c.blockUntilConnected();
    return c;
  }

  @AfterEach
  void down() throws Exception {
    a.close();
    b.close();
    server.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void staleReleaseAfterTakeover_leavesTheNewOwnersNode() throws Exception {
    EphemeralOwner first = new EphemeralOwner(a);
    EphemeralOwner second = new EphemeralOwner(b);
    first.claim(PATH, bytes("a"));
    Stat seenByFirst = a.checkExists().forPath(PATH); // version 0, owned by a

    second.claim(PATH, bytes("b")); // takes the node over between a's read and a's delete
    first.releaseIfOwned(PATH, seenByFirst);

    Stat now = b.checkExists().forPath(PATH);
    assertThat(now).isNotNull();
    assertThat(now.getEphemeralOwner()).isEqualTo(second.session());
    assertThat(new String(b.getData().forPath(PATH), StandardCharsets.UTF_8)).isEqualTo("b");
  }

  @Test
  void takeoverOfAnUpdatedNode_outrunsEveryVersionTheOldOwnerSaw() throws Exception {
    EphemeralOwner first = new EphemeralOwner(a);
    EphemeralOwner second = new EphemeralOwner(b);
    first.claim(PATH, bytes("a0"));
    assertThat(first.updateIfOwned(PATH, bytes("a1"))).isTrue();
    assertThat(first.updateIfOwned(PATH, bytes("a2"))).isTrue();
    Stat seen = a.checkExists().forPath(PATH);
    assertThat(seen.getVersion()).isEqualTo(2);

    int version = second.claim(PATH, bytes("b"));

    assertThat(version).isGreaterThan(seen.getVersion());
    assertThat(b.checkExists().forPath(PATH).getVersion()).isEqualTo(version);
    first.releaseIfOwned(PATH, seen);
    assertThat(first.updateIfOwned(PATH, bytes("a3"))).isFalse();
    assertThat(new String(b.getData().forPath(PATH), StandardCharsets.UTF_8)).isEqualTo("b");
    assertThat(b.checkExists().forPath(PATH).getEphemeralOwner()).isEqualTo(second.session());
  }

  @Test
  void ownerUpdatesAndReleasesItsOwnNode() throws Exception {
    EphemeralOwner owner = new EphemeralOwner(a);
    owner.claim(PATH, bytes("x"));
    assertThat(owner.updateIfOwned(PATH, bytes("y"))).isTrue();
    owner.releaseIfOwned(PATH);
    assertThat(a.checkExists().forPath(PATH)).isNull();
  }
}
