package org.entente.cli.process;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.entente.agent.AgentSettings;
import org.entente.agent.Backoff;
import org.entente.agent.NodeAgent;
import org.entente.agent.ResourceProbe;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.NodeStatus;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.NationCa;
import org.entente.security.Pem;
import org.entente.security.Role;

/**
 * A federation whose coordinator replicas are separate JVMs (one per nation, on fixed loopback
 * ports so they can be restarted in place), a real ZooKeeper ({@link TestingServer}), and node
 * agents in this JVM. Used by the failover tests and benchmarks.
 */
public final class ProcessFederation implements AutoCloseable {
  /** The chroot the replicas use. */
  public static final String CHROOT = "/entente";

  private final Path dir;
  private final TestingServer zk;
  private final CuratorFramework observer;
  private final LocalPki pki;
  private final Map<String, ReplicaProcess> replicas = new LinkedHashMap<>();
  private final List<NodeAgent> agents = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final HttpClient http = HttpClient.newHttpClient();
  private FederationClient client;

  private ProcessFederation(Path dir, TestingServer zk, LocalPki pki) {
    this.dir = dir;
    this.zk = zk;
    this.pki = pki;
    this.observer =
        CuratorFrameworkFactory.newClient(
            zk.getConnectString(), 10_000, 5_000, new RetryOneTime(100));
    observer.start();
  }

  /**
   * Starts ZooKeeper, one replica process per nation (session timeout {@code session}, heartbeat
   * every {@code heartbeat}) and {@code agentsPerNation} agents per nation listing every replica.
   */
  public static ProcessFederation start(
      Path dir, List<String> nations, int agentsPerNation, Duration session, Duration heartbeat)
      throws Exception {
    // tickTime 200 ms: sessions expire within 200 ms of their timeout, and short test sessions
    // are allowed. maxSessionTimeout lifted so the production default (10 s) is accepted too.
    TestingServer zk =
        new TestingServer(
            new InstanceSpec(
                null,
                -1,
                -1,
                -1,
                true,
                -1,
                200,
                -1,
                Map.<String, Object>of("maxSessionTimeout", "60000"),
                null),
            true);
    ProcessFederation f =
        new ProcessFederation(
            dir, zk, LocalPki.create(Clock.systemUTC(), nations.toArray(String[]::new)));
    try {
      Path roots = Files.createDirectories(dir.resolve("roots"));
      List<String> trust = new ArrayList<>();
      for (String n : nations) {
        Path root = roots.resolve(n.toLowerCase(Locale.ROOT) + ".pem");
        Pem.writePublic(root, f.pki.ca(n).certificate());
        trust.add("../roots/" + root.getFileName());
      }
      // The founding nations' operators sign one genesis; every replica is given the same file.
      List<org.entente.security.KeyMaterial> founders = new ArrayList<>();
      for (String n : nations) {
        founders.add(f.pki.issue(new Identity(n, Role.OPERATOR, "founder")));
      }
      Files.write(
          roots.resolve("genesis.pb"),
          org.entente.coordinator.governance.Founding.signed(
                  org.entente.coordinator.governance.Founding.draft(
                      "process-test",
                      f.pki.bundle(),
                      org.entente.coordinator.SchedulingSettings.defaults(),
                      0,
                      System.currentTimeMillis()),
                  founders)
              .toByteArray());
      for (String n : nations) {
        f.replicas.put(n, f.configure(n, trust, session, heartbeat));
      }
      for (ReplicaProcess r : f.replicas.values()) {
        r.start(Duration.ofSeconds(60));
      }
      List<String> addresses = f.addresses();
      f.client =
          new FederationClient(
              f.pki.issue(new Identity(nations.get(0), Role.OPERATOR, "ops")),
              f.pki.bundle(),
              addresses,
              5000);
      for (String n : nations) {
        for (int i = 1; i <= agentsPerNation; i++) {
          f.startAgent(new Identity(n, Role.NODE, String.format("gpu-%02d", i)), addresses);
        }
      }
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  private ReplicaProcess configure(
      String nation, List<String> trust, Duration session, Duration heartbeat) throws IOException {
    Path home = Files.createDirectories(dir.resolve(nation.toLowerCase(Locale.ROOT)));
    KeyMaterial keys =
        pki.issue(new Identity(nation, Role.COORDINATOR, "coordinator"), "127.0.0.1");
    Pem.writePrivateKey(home.resolve("key.pem"), keys.privateKey());
    Pem.writePublic(home.resolve("cert.pem"), keys.certificate());
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String yaml =
        String.join(
            "\n",
            "identity: {cert: cert.pem, key: key.pem}",
            "trust: [" + String.join(", ", trust) + "]",
            "listen: 127.0.0.1:" + port,
            "zookeeper:",
            "  connect: " + zk.getConnectString(),
            "  chroot: " + CHROOT,
            "  sessionTimeout: " + session.toMillis() + "ms",
            "membership:",
            "  heartbeatInterval: " + heartbeat.toMillis() + "ms",
            "  nodeLostTimeout: " + Math.max(5000, heartbeat.toMillis() * 5) + "ms",
            "metrics: {port: 0}",
            "governance: {genesis: ../roots/genesis.pb}",
            "");
    Path config = home.resolve("coordinator.yaml");
    Files.writeString(config, yaml, StandardCharsets.UTF_8);
    return new ReplicaProcess(nation, config, home.resolve("replica.log"));
  }

  /** Starts an agent with fixed, small resources (several share this host). */
  public NodeAgent startAgent(Identity id, List<String> coordinators) {
    ResourceProbe probe =
        () -> NodeResources.newBuilder().setCpuCores(4).setMemoryBytes(16L << 30).build();
    NodeAgent a =
        new NodeAgent(
            new AgentSettings(
                pki.issue(id),
                pki.bundle(),
                coordinators,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                Duration.ofSeconds(10)),
            probe,
            Clock.systemUTC(),
            new SplittableRandom(id.hashCode()),
            scheduler);
    agents.add(a);
    a.start();
    return a;
  }

  public List<String> addresses() {
    return replicas.values().stream().map(ReplicaProcess::address).toList();
  }

  public ReplicaProcess replica(String nation) {
    return replicas.get(nation);
  }

  public Map<String, ReplicaProcess> replicas() {
    return replicas;
  }

  public List<NodeAgent> agents() {
    return agents;
  }

  public LocalPki pki() {
    return pki;
  }

  public NationCa ca(String nation) {
    return pki.ca(nation);
  }

  public CuratorFramework zk() {
    return observer;
  }

  public String zkConnect() {
    return zk.getConnectString();
  }

  /** The current fencing epoch in ZooKeeper. */
  public long epoch() throws Exception {
    return Long.parseLong(
        new String(
            observer.getData().forPath(CHROOT + "/coordinators/epoch"), StandardCharsets.US_ASCII));
  }

  /** Nations of the live replicas whose metrics say they lead right now. */
  public List<String> leaders() {
    List<String> out = new ArrayList<>();
    for (ReplicaProcess r : replicas.values()) {
      if (r.isAlive() && metric(r, "entente_leader") == 1.0) {
        out.add(r.nation());
      }
    }
    return out;
  }

  /** The replica's whole /metrics text ("" if unreachable). */
  public String metrics(ReplicaProcess r) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.metricsPort() + "/metrics"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** A metric's value as the replica exports it ({@code NaN} if unreachable or absent). */
  public double metric(ReplicaProcess r, String name) {
    for (String line : metrics(r).split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  /** Nodes as the federation lists them, through any live replica. */
  public List<NodeStatus> listNodes() {
    return client
        .call(s -> s.listNodes(org.entente.proto.v1.ListNodesRequest.getDefaultInstance()))
        .getNodesList();
  }

  /** Presence znodes under /nodes, as {@code NATION/name}. */
  public List<String> presence() throws Exception {
    List<String> out = new ArrayList<>();
    String base = CHROOT + "/nodes";
    if (observer.checkExists().forPath(base) == null) {
      return out;
    }
    for (String n : observer.getChildren().forPath(base)) {
      for (String name : observer.getChildren().forPath(base + "/" + n)) {
        out.add(n + "/" + name);
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    for (NodeAgent a : agents) {
      a.close();
    }
    scheduler.shutdownNow();
    if (client != null) {
      client.close();
    }
    for (ReplicaProcess r : replicas.values()) {
      r.close();
    }
    observer.close();
    zk.close();
  }
}
