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

  @Test
  void aThreeServerEnsembleWithQuorumTls_servesCoordinatorsOverTls() throws Exception {
    KeyMaterial zkKeys =
        pki.issue(new Identity("FR", Role.COORDINATOR, "zk-ensemble"), "127.0.0.1", "localhost");
    Path pem = ZooKeeperTls.writeKeyStore(dir.resolve("zk-ensemble.pem"), zkKeys);
    Path trust = ZooKeeperTls.writeTrustStore(dir.resolve("zk-ensemble-trust.pem"), pki.bundle());
    List<InstanceSpec> specs = new java.util.ArrayList<>();
    List<String> secure = new java.util.ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int port = InstanceSpec.getRandomPort();
      secure.add("127.0.0.1:" + port);
      Map<String, Object> props = new HashMap<>();
      props.put("secureClientPort", String.valueOf(port));
      props.put("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
      props.put("ssl.keyStore.location", pem.toString());
      props.put("ssl.keyStore.type", "PEM");
      props.put("ssl.trustStore.location", trust.toString());
      props.put("ssl.trustStore.type", "PEM");
      props.put("ssl.clientAuth", "need");
      props.put("authProvider.x509", CoordinatorAuthProvider.class.getName());
      props.put("sslQuorum", "true");
      props.put("ssl.quorum.keyStore.location", pem.toString());
      props.put("ssl.quorum.keyStore.type", "PEM");
      props.put("ssl.quorum.trustStore.location", trust.toString());
      props.put("ssl.quorum.trustStore.type", "PEM");
      props.put("ssl.quorum.hostnameVerification", "false");
      specs.add(new InstanceSpec(null, -1, -1, -1, true, i, 200, -1, props, "127.0.0.1"));
    }
    try (org.apache.curator.test.TestingCluster cluster =
        new org.apache.curator.test.TestingCluster(specs)) {
      cluster.start();
      // The quorum port speaks TLS, with the servers' certificate from our PKI.
      javax.net.ssl.SSLContext tls = jsse(pki.issue(new Identity("JP", Role.COORDINATOR, "probe")));
      for (InstanceSpec s : specs) {
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(20))
            .ignoreExceptions()
            .until(
                () -> {
                  try (javax.net.ssl.SSLSocket socket =
                      (javax.net.ssl.SSLSocket)
                          tls.getSocketFactory().createSocket("127.0.0.1", s.getElectionPort())) {
                    socket.startHandshake();
                    return socket
                        .getSession()
                        .getPeerCertificates()[0]
                        .equals(zkKeys.certificate());
                  }
                });
      }
      try (CuratorFramework de =
          tlsClientTo(
              String.join(",", secure), pki.issue(new Identity("DE", Role.COORDINATOR, "c"))); ) {
        de.start();
        assertThat(de.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        de.create().creatingParentsIfNeeded().forPath("/entente/quorum", "q".getBytes());
        // The write went through the TLS quorum: every server has it.
        for (String server : secure) {
          try (CuratorFramework one =
              tlsClientTo(server, pki.issue(new Identity("JP", Role.COORDINATOR, "c")))) {
            one.start();
            assertThat(one.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
            one.sync().forPath("/entente/quorum");
            assertThat(one.getData().forPath("/entente/quorum")).isEqualTo("q".getBytes());
          }
        }
      }
    } finally {
      for (String k :
          List.of(
              "sslQuorum",
              "ssl.quorum.keyStore.location",
              "ssl.quorum.keyStore.type",
              "ssl.quorum.trustStore.location",
              "ssl.quorum.trustStore.type",
              "ssl.quorum.hostnameVerification")) {
        System.clearProperty("zookeeper." + k);
      }
    }
  }

  /** A plain JSSE context presenting {@code keys} and trusting the member roots. */
  private javax.net.ssl.SSLContext jsse(KeyMaterial keys) throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(
        "k",
        keys.privateKey(),
        new char[0],
        new java.security.cert.Certificate[] {keys.certificate()});
    java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    for (String n : pki.bundle().nations()) {
      ts.setCertificateEntry(n, pki.bundle().root(n));
    }
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(
            javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
    c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }

  private CuratorFramework tlsClientTo(String connect, KeyMaterial keys) throws Exception {
    return CuratorFrameworkFactory.builder()
        .connectString(connect)
        .retryPolicy(new RetryOneTime(100))
        .zkClientConfig(
            ZooKeeperTls.clientConfig(keys, pki.bundle(), Files.createTempDirectory(dir, "c")))
        .aclProvider(ZooKeeperTls.coordinatorsOnly())
        .connectionTimeoutMs(10000)
        .build();
  }
}
