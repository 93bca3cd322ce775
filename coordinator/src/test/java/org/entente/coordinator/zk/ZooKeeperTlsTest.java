package org.entente.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ZooKeeper server with TLS for clients, certificates from our own PKI and {@link
 * CoordinatorAuthProvider}: a coordinator of any nation connects over TLS and writes znodes only
 * coordinators may touch; a node's certificate, and a client without TLS, can do nothing with them.
 */
class ZooKeeperTlsTest {
  @TempDir Path dir;
  private final LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE", "FR", "JP");
  private TestingServer server;
  private int securePort;

  @BeforeEach
  void up() throws Exception {
    KeyMaterial zkKeys =
        pki.issue(new Identity("DE", Role.COORDINATOR, "zk-1"), "127.0.0.1", "localhost");
    Path serverPem = ZooKeeperTls.writeKeyStore(dir.resolve("zk-server.pem"), zkKeys);
    Path trust = ZooKeeperTls.writeTrustStore(dir.resolve("zk-trust.pem"), pki.bundle());
    securePort = InstanceSpec.getRandomPort();
    Map<String, Object> props = new HashMap<>();
    props.put("secureClientPort", String.valueOf(securePort));
    props.put("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
    props.put("ssl.keyStore.location", serverPem.toString());
    props.put("ssl.keyStore.type", "PEM");
    props.put("ssl.trustStore.location", trust.toString());
    props.put("ssl.trustStore.type", "PEM");
    props.put("ssl.clientAuth", "need");
    props.put("ssl.protocol", "TLSv1.3");
    props.put("authProvider.x509", CoordinatorAuthProvider.class.getName());
    InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1, props, "127.0.0.1");
    server = new TestingServer(spec, true);
  }

  @AfterEach
  void down() throws Exception {
    server.close();
    for (String k :
        List.of(
            "ssl.keyStore.location",
            "ssl.keyStore.type",
            "ssl.trustStore.location",
            "ssl.trustStore.type",
            "ssl.clientAuth",
            "ssl.protocol",
            "authProvider.x509",
            "serverCnxnFactory",
            "secureClientPort")) {
      System.clearProperty("zookeeper." + k);
    }
  }

  private CuratorFramework tlsClient(KeyMaterial keys) throws Exception {
    return CuratorFrameworkFactory.builder()
        .connectString("127.0.0.1:" + securePort)
        .retryPolicy(new RetryOneTime(100))
        .zkClientConfig(
            ZooKeeperTls.clientConfig(keys, pki.bundle(), Files.createTempDirectory(dir, "client")))
        .aclProvider(ZooKeeperTls.coordinatorsOnly())
        .connectionTimeoutMs(5000)
        .build();
  }

  @Test
  void coordinatorsOfAnyNation_readAndWrite_othersCannot() throws Exception {
    try (CuratorFramework de = tlsClient(pki.issue(new Identity("DE", Role.COORDINATOR, "c")));
        CuratorFramework fr = tlsClient(pki.issue(new Identity("FR", Role.COORDINATOR, "c")));
        CuratorFramework node = tlsClient(pki.issue(new Identity("FR", Role.NODE, "gpu-1")));
        CuratorFramework plain =
            CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
      de.start();
      fr.start();
      node.start();
      plain.start();
      assertThat(de.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      assertThat(fr.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      assertThat(node.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      assertThat(plain.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();

      de.create().creatingParentsIfNeeded().forPath("/entente/federation", "x".getBytes());
      assertThat(fr.getData().forPath("/entente/federation")).isEqualTo("x".getBytes());
      fr.setData().forPath("/entente/federation", "y".getBytes());

      assertThatThrownBy(() -> node.getData().forPath("/entente/federation"))
          .isInstanceOf(KeeperException.NoAuthException.class);
      assertThatThrownBy(() -> node.setData().forPath("/entente/federation", "z".getBytes()))
          .isInstanceOf(KeeperException.NoAuthException.class);
      assertThatThrownBy(() -> plain.setData().forPath("/entente/federation", "z".getBytes()))
          .isInstanceOf(KeeperException.NoAuthException.class);
      assertThatThrownBy(() -> plain.delete().forPath("/entente/federation"))
          .isInstanceOf(KeeperException.NoAuthException.class);
      assertThat(de.getData().forPath("/entente/federation")).isEqualTo("y".getBytes());
    }
  }

  @Test
  void aReplicaOverTls_foundsAndLeads_andEveryZnodeItWritesIsCoordinatorsOnly() throws Exception {
    KeyMaterial keys =
        pki.issue(new Identity("DE", Role.COORDINATOR, "coord-de"), "127.0.0.1", "localhost");
    var operators =
        List.of(
            pki.issue(new Identity("DE", Role.OPERATOR, "ops")),
            pki.issue(new Identity("FR", Role.OPERATOR, "ops")),
            pki.issue(new Identity("JP", Role.OPERATOR, "ops")));
    var genesis =
        org.entente.coordinator.governance.Founding.signed(
            org.entente.coordinator.governance.Founding.draft(
                "tls",
                pki.bundle(),
                org.entente.coordinator.SchedulingSettings.defaults(),
                0,
                System.currentTimeMillis()),
            operators);
    org.entente.coordinator.CoordinatorSettings settings =
        org.entente.coordinator.CoordinatorSettings.defaults(
                keys, pki.bundle(), "127.0.0.1", 0, "127.0.0.1:" + securePort, "/entente")
            .withGenesis(genesis)
            .withZkTls(true);
    try (org.entente.coordinator.Coordinator c =
            new org.entente.coordinator.Coordinator(settings, Clock.systemUTC());
        CuratorFramework node = tlsClient(pki.issue(new Identity("FR", Role.NODE, "gpu-1")));
        CuratorFramework peer = tlsClient(pki.issue(new Identity("JP", Role.COORDINATOR, "c")))) {
      c.start();
      peer.start();
      assertThat(peer.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(c::isLeader);
      node.start();
      assertThat(node.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      for (String path :
          List.of("/entente", "/entente/governance/chain/0000000000", "/entente/federation")) {
        var acl = peer.getACL().forPath(path);
        assertThat(acl).hasSize(1);
        assertThat(acl.get(0).getId().getScheme()).isEqualTo("x509");
        assertThat(acl.get(0).getId().getId()).isEqualTo(CoordinatorAuthProvider.COORDINATORS);
        assertThatThrownBy(() -> node.getData().forPath(path))
            .isInstanceOf(KeeperException.NoAuthException.class);
      }
      assertThatThrownBy(
              () -> node.setData().forPath("/entente/governance/chain/0000000000", new byte[1]))
          .isInstanceOf(KeeperException.NoAuthException.class);
    }
  }
}
