package org.entente.coordinator;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.util.MutableHandlerRegistry;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.api.AgentGatewayService;
import org.entente.coordinator.api.FederationApiService;
import org.entente.coordinator.api.JobApiService;
import org.entente.coordinator.api.ReplicaApiService;
import org.entente.coordinator.api.ReplicaClients;
import org.entente.coordinator.artifacts.ArtifactApiService;
import org.entente.coordinator.artifacts.ArtifactStore;
import org.entente.coordinator.artifacts.ReplicatedArtifacts;
import org.entente.coordinator.dashboard.DashboardServer;
import org.entente.coordinator.dashboard.OverviewSource;
import org.entente.coordinator.governance.Founding;
import org.entente.coordinator.governance.GovernanceApplier;
import org.entente.coordinator.governance.GovernanceKeeper;
import org.entente.coordinator.governance.ReplicaGovernance;
import org.entente.coordinator.grpc.CallMetricsInterceptor;
import org.entente.coordinator.grpc.DeadlineInterceptor;
import org.entente.coordinator.grpc.HardenedServers;
import org.entente.coordinator.jobs.JobLeader;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.jobs.LeaderLink;
import org.entente.coordinator.jobs.LocalLeader;
import org.entente.coordinator.jobs.ShardDispatcher;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.leader.LeaderElection;
import org.entente.coordinator.logstore.LedgerWitness;
import org.entente.coordinator.membership.FederationView;
import org.entente.coordinator.membership.MembershipKeeper;
import org.entente.coordinator.membership.RosterKeeper;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.training.ArtifactCheckpoints;
import org.entente.coordinator.training.RoundAggregator;
import org.entente.coordinator.training.TrainingApiService;
import org.entente.coordinator.zk.EphemeralOwner;
import org.entente.coordinator.zk.FederationStore;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ReplicaRecord;
import org.entente.coordinator.zk.RevocationPoller;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.GovernedState;
import org.entente.security.FederationTrust;
import org.entente.security.IdentityInterceptor;
import org.entente.security.PeerRejectedException;
import org.entente.security.PeerVerifier;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.entente.security.Usage;
import org.entente.security.governance.GovernedStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator replica: a Curator client, the trust it loads from ZooKeeper, the membership of
 * the agents it serves, its part in the leader election, and a hardened mTLS gRPC server. Start
 * once, close once. Thread-safe.
 */
public final class Coordinator implements Closeable {
  private static final java.time.Duration WITNESS_INTERVAL = java.time.Duration.ofMillis(250);
  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  private final CoordinatorSettings settings;
  private final Clock clock;
  private final CoordinatorMetrics metrics = new CoordinatorMetrics();
  private final FederationTrust trust;
  private CuratorFramework zk;
  private FederationView view;
  private MembershipKeeper keeper;
  private RosterKeeper roster;
  private JobView jobView;
  private JobLeader jobLeader;
  private LeaderLink leaderLink;
  private ShardDispatcher dispatcher;
  private LeaderElection election;
  private RevocationPoller revocations;
  private ReplicaClients peers;
  private ArtifactStore artifactStore;
  private ReplicatedArtifacts artifacts;
  private RoundAggregator rounds;
  private LedgerWitness witness;
  private org.entente.coordinator.zk.ZooKeeperConnection connection;
  private ReplicaGovernance governance;
  private GovernanceApplier applier;
  private final java.util.concurrent.atomic.AtomicReference<SchedulingSettings> scheduling =
      new java.util.concurrent.atomic.AtomicReference<>();
  private Server server;
  private HealthStatusManager health;
  private ReplicaRecord self;
  private int metricsPort = -1;
  private DashboardServer dashboard;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  public Coordinator(CoordinatorSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.trust = new FederationTrust(settings.trustBundle());
  }

  /** Connects to ZooKeeper, loads trust, starts serving and joins the election. */
  public void start() throws Exception {
    connection = org.entente.coordinator.zk.ZooKeeperConnection.open(settings);
    zk = connection.client();
    FederationStore store = new FederationStore(zk, clock);
    governance =
        new ReplicaGovernance(
            zk, store, settings.trustBundle(), settings.genesis(), metrics, clock);
    governance.start(this::applyGoverned);
    checkOwnCertificate();
    revocations = new RevocationPoller(store, trust);
    revocations.start(zk, settings.revocationPollInterval());

    EphemeralOwner owner = new EphemeralOwner(zk);
    EpochStore epochs = new EpochStore(zk);
    view = new FederationView(zk);
    view.start();
    jobView = new JobView(zk);
    jobView.start();
    metrics.pool.watch(view, jobView, scheduling::get, () -> trust.snapshot().bundle().nations());

    // Services are added after the server binds, because the replica's name includes its port.
    MutableHandlerRegistry services = new MutableHandlerRegistry();
    health = new HealthStatusManager();
    server =
        HardenedServers.apply(
                NettyServerBuilder.forAddress(
                    new InetSocketAddress(settings.listenHost(), settings.listenPort())),
                settings.limits())
            .intercept(new DeadlineInterceptor(settings.limits()))
            .intercept(new IdentityInterceptor(trust, clock))
            .intercept(new CallMetricsInterceptor(metrics.grpcCalls, metrics.grpcSeconds))
            .fallbackHandlerRegistry(services)
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .sslContext(TlsContexts.server(settings.keys(), trust, clock))
            .build()
            .start();
    String address = settings.advertiseHost() + ":" + server.getPort();
    self =
        new ReplicaRecord(
            settings.keys().identity().nation(),
            settings.keys().identity().name(),
            address,
            clock.millis());
    keeper =
        new MembershipKeeper(
            owner, clock, self.participantId(), settings.nodeLostTimeout(), metrics);
    peers =
        new ReplicaClients(
            TlsContexts.client(settings.keys(), trust, clock, Set.of(Role.COORDINATOR)));
    artifactStore =
        settings.artifactDir() == null
            ? ArtifactStore.openTemporary(settings.maxArtifactBytes())
            : ArtifactStore.open(settings.artifactDir(), settings.maxArtifactBytes());
    artifacts =
        new ReplicatedArtifacts(view::replicas, peers, self.nation(), artifactStore, metrics);
    ArtifactApiService artifactApi = new ArtifactApiService(artifacts, metrics);
    roster = new RosterKeeper(zk, epochs, view, clock, settings.rosterInterval(), metrics);
    ArtifactStore outputs = artifactStore;
    jobLeader =
        new JobLeader(
            zk,
            epochs,
            view,
            clock,
            scheduling::get,
            () -> governance.keeper().entries(),
            metrics,
            settings.keys(),
            trust,
            sha -> {
              try {
                return outputs.size(sha).isPresent();
              } catch (java.io.IOException e) {
                return false;
              }
            },
            // Which trusted nodes' shards are checked must be unpredictable to the nodes.
            new java.security.SecureRandom());
    witness =
        new LedgerWitness(
            zk,
            settings.keys(),
            trust.snapshot().bundle(),
            settings.artifactDir() == null
                ? null
                : settings.artifactDir().toAbsolutePath().resolveSibling("witness.json"),
            clock,
            metrics);
    witness.start(WITNESS_INTERVAL);
    applier = governance.applier(epochs);
    election =
        new LeaderElection(
            zk,
            epochs,
            self.participantId(),
            settings.zkSessionTimeout(),
            LeaderElection.Listener.all(roster, jobLeader, applier));
    LocalLeader local = new LocalLeader(jobLeader);
    leaderLink = new LeaderLink(local, election, peers, self.participantId());
    dispatcher = new ShardDispatcher(jobView, keeper, leaderLink);
    rounds =
        new RoundAggregator(jobView, jobLeader, new ArtifactCheckpoints(artifacts), clock, metrics);
    TrainingApiService trainingApi =
        new TrainingApiService(rounds, leaderLink, peers, view::replicaNationOf);
    dispatcher.start();
    AgentGatewayService gateway =
        new AgentGatewayService(
            keeper, clock, self.participantId(), settings.heartbeatInterval(), metrics, dispatcher);
    services.addService(gateway);
    services.addService(
        new FederationApiService(self, view, keeper, election, epochs, store, trust, peers));
    services.addService(
        new ReplicaApiService(self.participantId(), keeper, local, artifactApi, trainingApi));
    services.addService(artifactApi);
    var ledger =
        new org.entente.coordinator.logstore.LedgerReader(
            new org.entente.coordinator.logstore.LedgerStore(zk));
    services.addService(
        new org.entente.coordinator.logstore.LedgerApiService(ledger, witness::alarms));
    services.addService(trainingApi);
    services.addService(governance.service(applier::nudge));
    services.addService(
        new JobApiService(
            leaderLink, jobView, view, () -> trust.snapshot().bundle().nations(), zk));
    trust.onChange(gateway::cutRevoked);
    gateway.trustFrom(governance::trustUpdate);
    trust.onChange(t -> gateway.pushTrust());
    view.onMembershipChange(roster::nudge);
    roster.onFenced(() -> election.rejoin("a write was fenced: a newer epoch exists"));
    applier.onFenced(() -> election.rejoin("a governance write was fenced"));
    jobLeader.onFenced(() -> election.rejoin("a job write was fenced or failed to load"));
    view.onMembershipChange(jobLeader::nudge);
    keeper.start(
        java.time.Duration.ofMillis(Math.max(50, settings.heartbeatInterval().toMillis() / 4)));

    owner.claimAndKeep(ZkPaths.replica(self.nation()), Json.write(self));
    election.start();
    if (settings.metricsPort() >= 0) {
      metricsPort = metrics.serve(settings.listenHost(), settings.metricsPort());
    }
    if (settings.dashboard() != null) {
      dashboard =
          DashboardServer.start(
              settings.dashboard(),
              new OverviewSource(
                  zk,
                  view,
                  jobView,
                  ledger,
                  witness::alarms,
                  governance.keeper(),
                  election::leaderId,
                  self.participantId(),
                  clock),
              settings.keys(),
              trust,
              clock);
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    log.info("replica {} serving at {}", self.participantId(), address);
  }

  /** Installs what governance decided: trust for every handshake, quotas and policy. */
  private void applyGoverned(GovernedState s) {
    trust.replaceGoverned(GovernedStates.trustBundle(s), java.util.Set.copyOf(s.getRevokedList()));
    scheduling.set(Founding.governed(settings.scheduling(), s));
    if (election != null) {
      try {
        checkOwnCertificate();
      } catch (PeerRejectedException e) {
        // Revoked, or its nation removed: peers and agents refuse it already; it must not lead.
        election.withdraw(e.getMessage());
      }
    }
  }

  /** The certificate this replica presents. */
  public X509Certificate certificate() {
    return settings.keys().certificate();
  }

  /** This replica's view of governance (after {@link #start}). */
  public GovernanceKeeper governance() {
    return governance.keeper();
  }

  private void checkOwnCertificate() throws PeerRejectedException {
    X509Certificate[] chain = {settings.keys().certificate()};
    try {
      PeerVerifier.verify(chain, Usage.SERVER_AUTH, clock.instant(), trust.snapshot());
    } catch (PeerRejectedException e) {
      throw new PeerRejectedException(
          "this replica's own certificate is not valid in the federation: " + e.getMessage());
    }
  }

  /** {@code host:port} where this replica serves. */
  public String address() {
    return self.address();
  }

  /** The id this replica uses in the election: {@code NATION/name@host:port}. */
  public String participantId() {
    return self.participantId();
  }

  public boolean isLeader() {
    return election != null && election.fence().isPresent();
  }

  public Optional<Fence> fence() {
    return election == null ? Optional.empty() : election.fence();
  }

  /** The Prometheus port, or -1 when metrics are off. */
  public int metricsPort() {
    return metricsPort;
  }

  /** The dashboard's port, or -1 when it is off. */
  public int dashboardPort() {
    return dashboard == null ? -1 : dashboard.port();
  }

  public CoordinatorMetrics metrics() {
    return metrics;
  }

  /** This replica's artifacts and their copies on the other replicas (after {@link #start}). */
  public ReplicatedArtifacts artifacts() {
    return artifacts;
  }

  public FederationTrust trust() {
    return trust;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (health != null) {
      health.enterTerminalState();
    }
    closeQuietly(dashboard);
    closeQuietly(election);
    closeQuietly(roster);
    if (server != null) {
      server.shutdown();
    }
    closeQuietly(keeper);
    if (server != null) {
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
    }
    // Calls still in flight may forward to the leader until the server has terminated.
    closeQuietly(governance);
    closeQuietly(witness);
    closeQuietly(rounds);
    closeQuietly(jobLeader);
    closeQuietly(dispatcher);
    if (leaderLink != null) {
      leaderLink.close();
    }
    closeQuietly(artifacts);
    closeQuietly(artifactStore);
    closeQuietly(peers);
    closeQuietly(revocations);
    closeQuietly(view);
    closeQuietly(jobView);
    closeQuietly(metrics);
    if (connection != null) {
      connection.close();
    }
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("close failed: {}", e.toString());
      }
    }
  }
}
