package org.entente.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.entente.cli.client.FederationClient;
import org.entente.coordinator.Coordinator;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.coordinator.SchedulingSettings;
import org.entente.proto.v1.NodeResources;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.TlsContexts;

/**
 * Three coordinator replicas (one per nation) in this JVM on one ZooKeeper chroot, over real mTLS
 * on loopback; {@link SilentAgent}s with their own node certificates; and one {@link
 * FederationClient} per (operator nation, replica tried first). Records when each job's assignment
 * reached its agent. Not thread-safe to build; {@link #client}, {@link #assignedAt} and {@link
 * #shardsPlaced} may be called from any thread.
 */
final class LoopbackFederation implements AutoCloseable {
  static final List<String> NATIONS = List.of("DE", "FR", "JP");
  private static final Clock CLOCK = Clock.systemUTC();
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);

  private final LocalPki pki;
  private final Map<String, Coordinator> replicas = new LinkedHashMap<>();
  private final Map<String, FederationClient> clients = new ConcurrentHashMap<>();
  private final List<SilentAgent> agents = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Map<String, Long> assignedAt = new ConcurrentHashMap<>();
  private final ScheduledExecutorService heartbeats =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "bench-agent-heartbeats");
            t.setDaemon(true);
            return t;
          });

  private LoopbackFederation(LocalPki pki) {
    this.pki = pki;
  }

  /**
   * Starts replicas of the first {@code count} nations with {@code scheduling} and waits for a
   * leader. Every replica's settings are the production defaults apart from scheduling.
   */
  static LoopbackFederation start(
      LocalPki pki, String zkConnect, String chroot, SchedulingSettings scheduling, int count)
      throws Exception {
    LoopbackFederation f = new LoopbackFederation(pki);
    try {
      List<KeyMaterial> operators = new java.util.ArrayList<>();
      for (String n : pki.bundle().nations()) {
        operators.add(pki.issue(new Identity(n, Role.OPERATOR, "bench-ops")));
      }
      org.entente.proto.v1.SignedGenesis genesis =
          org.entente.coordinator.governance.Founding.signed(
              org.entente.coordinator.governance.Founding.draft(
                  "bench", pki.bundle(), scheduling, 0, CLOCK.millis()),
              operators);
      for (String n : NATIONS.subList(0, count)) {
        KeyMaterial keys =
            pki.issue(
                new Identity(n, Role.COORDINATOR, "coord-" + n.toLowerCase(Locale.ROOT)),
                "127.0.0.1",
                "localhost");
        CoordinatorSettings s =
            CoordinatorSettings.defaults(keys, pki.bundle(), "127.0.0.1", 0, zkConnect, chroot)
                .withScheduling(scheduling)
                .withGenesis(genesis);
        Coordinator c = new Coordinator(s, CLOCK);
        f.replicas.put(n, c);
        c.start();
      }
      f.awaitLeader(Duration.ofSeconds(30));
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  /** The leading replica, waiting up to {@code within} for one. */
  Coordinator awaitLeader(Duration within) throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < end) {
      for (Coordinator c : replicas.values()) {
        if (c.isLeader()) {
          return c;
        }
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    throw new IllegalStateException("no replica leads after " + within.toSeconds() + " s");
  }

  /** The replica of {@code nation}. */
  Coordinator replica(String nation) {
    return replicas.get(nation);
  }

  /** {@code entente_jobs_finished_total{state}} summed over the replicas. */
  double jobsFinished(String state) {
    return replicas.values().stream()
        .mapToDouble(c -> c.metrics().jobsFinished.labelValues(state).get())
        .sum();
  }

  /** Nation of the leading replica. */
  String leaderNation() throws InterruptedException {
    Coordinator l = awaitLeader(Duration.ofSeconds(30));
    return replicas.entrySet().stream()
        .filter(e -> e.getValue() == l)
        .findFirst()
        .orElseThrow()
        .getKey();
  }

  /** Nations that run a replica, in order. */
  List<String> entries() {
    return List.copyOf(replicas.keySet());
  }

  /**
   * Connects {@code perNation} silent agents of every nation, each to its nation's own replica (or,
   * without one, to some other).
   */
  void connectAgents(int perNation, NodeResources resources) throws Exception {
    connectAgents(perNation, resources, "cpu");
  }

  /** Like {@link #connectAgents(int, NodeResources)}, naming nodes {@code prefix-NNN}. */
  void connectAgents(int perNation, NodeResources resources, String prefix) throws Exception {
    connectAgents(perNation, resources, prefix, null);
  }

  /**
   * Like {@link #connectAgents(int, NodeResources, String)}; with {@code finishers} (one per node
   * identity), the agents report every assignment done at once.
   */
  void connectAgents(
      int perNation,
      NodeResources resources,
      String prefix,
      java.util.function.Function<KeyMaterial, SilentAgent.Finisher> finishers)
      throws Exception {
    FederationTrust trust = new FederationTrust(pki.bundle());
    List<String> entries = entries();
    for (String n : NATIONS) {
      Coordinator to =
          replicas.getOrDefault(n, replicas.get(entries.get(NATIONS.indexOf(n) % entries.size())));
      String address = to.address();
      int colon = address.lastIndexOf(':');
      for (int i = 1; i <= perNation; i++) {
        Identity id = new Identity(n, Role.NODE, String.format("%s-%03d", prefix, i));
        KeyMaterial keys = pki.issue(id);
        ManagedChannel ch =
            NettyChannelBuilder.forAddress(
                    address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .sslContext(TlsContexts.client(keys, trust, CLOCK, Set.of(Role.COORDINATOR)))
                .build();
        channels.add(ch);
        agents.add(
            SilentAgent.connectFinishing(
                ch,
                id,
                resources,
                heartbeats,
                HEARTBEAT,
                assignedAt::putIfAbsent,
                finishers == null ? null : finishers.apply(keys)));
      }
    }
  }

  /** Agents whose stream ended (should stay 0). */
  long endedAgents() {
    return agents.stream().filter(SilentAgent::ended).count();
  }

  /**
   * The client of {@code operator}'s operator that tries {@code entry}'s replica first (and the
   * others after it, as the CLI does).
   */
  FederationClient client(String operator, String entry) {
    return clients.computeIfAbsent(
        operator + "@" + entry,
        k -> {
          List<String> order = new ArrayList<>();
          List<String> entries = entries();
          int first = entries.indexOf(entry);
          for (int i = 0; i < entries.size(); i++) {
            order.add(replicas.get(entries.get((first + i) % entries.size())).address());
          }
          KeyMaterial keys = pki.issue(new Identity(operator, Role.OPERATOR, "bench-ops"));
          return new FederationClient(keys, pki.bundle(), order, 30_000);
        });
  }

  /**
   * When job {@code id}'s first assignment reached its agent ({@link System#nanoTime}), or null.
   */
  Long assignedAt(String id) {
    return assignedAt.get(id);
  }

  int assignmentsReceived() {
    return assignedAt.size();
  }

  /** {@code entente_shards_placed_total} summed over the replicas (only a leader counts). */
  double shardsPlaced() {
    return replicas.values().stream().mapToDouble(c -> c.metrics().shardsPlaced.get()).sum();
  }

  /** {@code entente_ledger_entries_total{kind}} summed over the replicas (only a leader counts). */
  double ledgerEntries(String kind) {
    return replicas.values().stream()
        .mapToDouble(c -> c.metrics().ledgerEntries.labelValues(kind).get())
        .sum();
  }

  double shardsRequeued() {
    return replicas.values().stream().mapToDouble(c -> c.metrics().shardsRequeued.get()).sum();
  }

  @Override
  public void close() {
    clients.values().forEach(FederationClient::close);
    agents.forEach(SilentAgent::close);
    heartbeats.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    // Followers first: closing the leader last hands leadership to no one mid-shutdown.
    List<Coordinator> order = new ArrayList<>(replicas.values());
    order.sort(java.util.Comparator.comparing(Coordinator::isLeader));
    order.forEach(Coordinator::close);
  }
}
