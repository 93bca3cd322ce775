package org.entente.coordinator;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.awaitility.Awaitility;
import org.entente.coordinator.model.NodeRecord;
import org.entente.coordinator.model.RosterEntry;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.FederationServiceGrpc;
import org.entente.proto.v1.ReplicaServiceGrpc;
import org.entente.security.EntenteTrustManager;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.entente.security.TlsContexts;

/**
 * A real federation for one test class: a ZooKeeper {@link TestingServer} with a short tick (so
 * sessions of 2-4 s are allowed), a {@link LocalPki} for DE, FR and JP, coordinator replicas on
 * loopback ports, mTLS client channels for any key material or crafted TLS context, {@link
 * RawAgent}s, and plain Curator clients to read what the replicas wrote. Everything it made is
 * closed by {@link #close} (call it from {@code @AfterAll} or {@code @AfterEach}).
 *
 * <p>Replicas of one chroot must be of distinct nations: a replica registers itself at {@code
 * /coordinators/replicas/<NATION>}.
 */
final class CoordinatorFixture implements AutoCloseable {
  static final Clock CLOCK = Clock.systemUTC();

  /** ZooKeeper session of every replica: the most the test server (tick 200 ms) allows. */
  static final Duration SESSION = Duration.ofSeconds(4);

  static final Duration HEARTBEAT = Duration.ofMillis(200);
  static final Duration LOST_TIMEOUT = Duration.ofMillis(1000);
  static final Duration REVOCATION_POLL = Duration.ofMillis(500);

  /** Deadline of every unary call made through the fixture's stubs. */
  static final long CALL_DEADLINE_SECONDS = 10;

  private final TestingServer zk;
  private final LocalPki pki;
  private final FederationTrust clientTrust;
  private final Map<Identity, KeyMaterial> keys = new ConcurrentHashMap<>();
  private final List<Coordinator> coordinators = new CopyOnWriteArrayList<>();
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
  private final List<RawAgent> agents = new CopyOnWriteArrayList<>();
  private final List<CuratorFramework> clients = new CopyOnWriteArrayList<>();
  private final AtomicInteger chroots = new AtomicInteger();
  private final Map<String, org.entente.proto.v1.SignedGenesis> geneses = new ConcurrentHashMap<>();

  private CoordinatorFixture(TestingServer zk, LocalPki pki) {
    this.zk = zk;
    this.pki = pki;
    this.clientTrust = new FederationTrust(pki.bundle());
  }

  /** Starts ZooKeeper and makes the PKI; no replica yet. */
  static CoordinatorFixture start() throws Exception {
    // Membership reacts within tens of milliseconds; the default 100 ms poll would dominate.
    Awaitility.setDefaultPollDelay(Duration.ZERO);
    Awaitility.setDefaultPollInterval(Duration.ofMillis(20));
    // dataDir, port, electionPort, quorumPort, deleteDataDirectoryOnClose, serverId, tickTime,
    // maxClientCnxns
    InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1);
    TestingServer server = new TestingServer(spec, true);
    return new CoordinatorFixture(server, LocalPki.create(CLOCK, "DE", "FR", "JP"));
  }

  LocalPki pki() {
    return pki;
  }

  String zkConnect() {
    return zk.getConnectString();
  }

  /** A chroot no other test of this fixture uses. */
  String newChroot(String prefix) {
    return "/" + prefix + "-" + chroots.incrementAndGet();
  }

  // ---------------------------------------------------------------- identities

  /** Key material for the identity, issued once and reused. */
  KeyMaterial keys(String nation, Role role, String name) {
    return keys.computeIfAbsent(new Identity(nation, role, name), this::issue);
  }

  /** Key material with a new certificate (new serial) for the identity. */
  KeyMaterial freshKeys(String nation, Role role, String name) {
    return issue(new Identity(nation, role, name));
  }

  private KeyMaterial issue(Identity id) {
    return id.role() == Role.COORDINATOR ? pki.issue(id, "127.0.0.1", "localhost") : pki.issue(id);
  }

  KeyMaterial operator(String nation) {
    return keys(nation, Role.OPERATOR, "ops-1");
  }

  KeyMaterial node(String nation, String name) {
    return keys(nation, Role.NODE, name);
  }

  // ---------------------------------------------------------------- replicas

  /**
   * The genesis of {@code chroot}'s federation, made once: DE, FR and JP as founding members with
   * the quotas and policy of the first replica's scheduling settings, signed by each nation's
   * {@code ops-1}.
   */
  org.entente.proto.v1.SignedGenesis genesis(String chroot, SchedulingSettings s) {
    return geneses.computeIfAbsent(
        chroot,
        c ->
            org.entente.coordinator.governance.Founding.signed(
                org.entente.coordinator.governance.Founding.draft(
                    c, pki.bundle(), s, 0, CLOCK.millis()),
                List.of(operator("DE"), operator("FR"), operator("JP"))));
  }

  /** Settings of a replica for {@code nation} in {@code chroot}, with the test timings. */
  CoordinatorSettings settings(String nation, String chroot) {
    return CoordinatorSettings.defaults(
            keys(nation, Role.COORDINATOR, "coord-" + nation.toLowerCase(java.util.Locale.ROOT)),
            pki.bundle(),
            "127.0.0.1",
            0,
            zk.getConnectString(),
            chroot)
        .withSessionTimeout(SESSION)
        .withTimings(HEARTBEAT, LOST_TIMEOUT, REVOCATION_POLL);
  }

  Coordinator startReplica(String nation, String chroot) throws Exception {
    return startReplica(nation, chroot, UnaryOperator.identity());
  }

  Coordinator startReplica(
      String nation, String chroot, UnaryOperator<CoordinatorSettings> customize) throws Exception {
    CoordinatorSettings s = customize.apply(settings(nation, chroot));
    if (s.genesis() == null) {
      s = s.withGenesis(genesis(chroot, s.scheduling()));
    }
    Coordinator c = new Coordinator(s, CLOCK);
    coordinators.add(c);
    c.start();
    return c;
  }

  /** Closes a replica now (its agents' streams end, its election node goes). */
  void stop(Coordinator c) {
    coordinators.remove(c);
    c.close();
  }

  /** Waits until some running replica of {@code among} leads, and returns it. */
  static Coordinator awaitLeader(List<Coordinator> among) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .alias("a leader among " + among.size() + " replicas")
        .until(
            () -> among.stream().filter(Coordinator::isLeader).findFirst().orElse(null),
            c -> c != null);
  }

  // ---------------------------------------------------------------- clients

  /** The production client context for {@code km}, accepting only coordinator servers. */
  SslContext clientContext(KeyMaterial km) {
    return TlsContexts.client(km, clientTrust, CLOCK, Set.of(Role.COORDINATOR));
  }

  /** A TLS 1.3 client context presenting no certificate at all. */
  SslContext anonymousContext() {
    try {
      return GrpcSslContexts.configure(
              SslContextBuilder.forClient()
                  .trustManager(
                      new EntenteTrustManager(clientTrust, CLOCK, Set.of(Role.COORDINATOR)))
                  .protocols("TLSv1.3"),
              SslProvider.JDK)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new channel (so a new TLS handshake on first use) to the replica. */
  ManagedChannel channel(Coordinator c, SslContext tls) {
    String address = c.address();
    int colon = address.lastIndexOf(':');
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(
                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
            .sslContext(tls)
            .maxInboundMessageSize(8 << 20)
            .build();
    channels.add(ch);
    return ch;
  }

  ManagedChannel channel(Coordinator c, KeyMaterial km) {
    return channel(c, clientContext(km));
  }

  FederationServiceGrpc.FederationServiceBlockingStub federation(ManagedChannel ch) {
    return FederationServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  FederationServiceGrpc.FederationServiceBlockingStub federation(Coordinator c, KeyMaterial km) {
    return federation(channel(c, km));
  }

  ReplicaServiceGrpc.ReplicaServiceBlockingStub replicaService(ManagedChannel ch) {
    return ReplicaServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  org.entente.proto.v1.JobServiceGrpc.JobServiceBlockingStub jobs(Coordinator c, KeyMaterial km) {
    return org.entente.proto.v1.JobServiceGrpc.newBlockingStub(channel(c, km))
        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  org.entente.proto.v1.GovernanceServiceGrpc.GovernanceServiceBlockingStub governance(
      Coordinator c, KeyMaterial km) {
    return org.entente.proto.v1.GovernanceServiceGrpc.newBlockingStub(channel(c, km))
        .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** Opens an agent stream over a new channel presenting {@code km}. */
  RawAgent agent(Coordinator c, KeyMaterial km) {
    return agent(channel(c, km));
  }

  RawAgent agent(ManagedChannel ch) {
    RawAgent a = RawAgent.open(ch);
    agents.add(a);
    return a;
  }

  /**
   * Connects {@code nation/name} to {@code c}, registers it with the default resources, starts
   * heartbeating every {@link #HEARTBEAT} and waits for the Registered reply.
   */
  RawAgent connectedNode(Coordinator c, KeyMaterial km) {
    RawAgent a = agent(c, km);
    a.register(km.identity().nation(), km.identity().name()).awaitRegistered();
    a.startHeartbeats(HEARTBEAT);
    return a;
  }

  // ---------------------------------------------------------------- ZooKeeper

  /** A plain Curator client over {@code chroot}, connected. */
  CuratorFramework zk(String chroot) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .namespace(chroot.substring(1))
            .sessionTimeoutMs((int) SESSION.toMillis())
            .connectionTimeoutMs(3000)
            .retryPolicy(new ExponentialBackoffRetry(100, 5, 1000))
            .build();
    clients.add(c);
    c.start();
    if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("test ZooKeeper client did not connect");
    }
    return c;
  }

  /** A node's presence record, if its znode exists. */
  static Optional<NodeRecord> presence(CuratorFramework zk, String nation, String name)
      throws Exception {
    return read(zk, ZkPaths.node(nation, name)).map(d -> Json.read(d, NodeRecord.class));
  }

  /** A node's roster entry, if the leader wrote one. */
  static Optional<RosterEntry> rosterEntry(CuratorFramework zk, String nation, String name)
      throws Exception {
    return read(zk, ZkPaths.rosterEntry(nation, name)).map(d -> Json.read(d, RosterEntry.class));
  }

  /** The session owning an ephemeral znode (0 when persistent), or -1 when absent. */
  static long ephemeralOwner(CuratorFramework zk, String path) throws Exception {
    Stat s = zk.checkExists().forPath(path);
    return s == null ? -1 : s.getEphemeralOwner();
  }

  static Optional<byte[]> read(CuratorFramework zk, String path) throws Exception {
    try {
      return Optional.of(zk.getData().forPath(path));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /** The nation's stored revocation list PEM, if any. */
  static Optional<String> storedCrl(CuratorFramework zk, String nation) throws Exception {
    return read(zk, ZkPaths.crl(nation)).map(b -> new String(b, StandardCharsets.US_ASCII));
  }

  /** A PEM revocation list signed by the nation's real root. */
  String crl(String nation, long number, List<java.math.BigInteger> serials) {
    return Pem.encode(pki.ca(nation).revocationList(number, serials));
  }

  // ---------------------------------------------------------------- teardown

  @Override
  public void close() throws java.io.IOException {
    List<Exception> failures = new ArrayList<>();
    for (RawAgent a : agents) {
      a.close();
    }
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    try {
      for (ManagedChannel ch : channels) {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Coordinator c : coordinators) {
      try {
        c.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    for (CuratorFramework c : clients) {
      c.close();
    }
    zk.close();
    if (!failures.isEmpty()) {
      IllegalStateException e = new IllegalStateException("fixture teardown failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }
}
