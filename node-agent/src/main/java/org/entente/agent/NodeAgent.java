package org.entente.agent;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.entente.agent.shards.DevicePool;
import org.entente.agent.shards.RunnerRegistry;
import org.entente.agent.shards.ShardStats;
import org.entente.agent.shards.ShardSupervisor;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.ShardReport;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's membership in the federation: keeps one registered stream to some coordinator replica,
 * heartbeats on it, follows the commands sent down, and when the stream breaks moves to the next
 * replica in its list with exponential backoff. Runs the shards assigned to it through a {@link
 * ShardSupervisor} and reports them up the stream; reports not yet acknowledged go again with the
 * next registration. The scheduler is injected so that many agents can share one (benchmarks); each
 * agent runs its shards on threads of its own. Thread-safe.
 */
public final class NodeAgent implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
  private static final String VERSION = "0.1.0";

  /** Refusals that no other replica and no retry would change. */
  private static final Set<Status.Code> FATAL =
      Set.of(
          Status.Code.PERMISSION_DENIED, Status.Code.INVALID_ARGUMENT, Status.Code.UNAUTHENTICATED);

  private final AgentSettings settings;
  private final ResourceProbe probe;
  private final Clock clock;
  private final RandomGenerator random;
  private final ScheduledExecutorService scheduler;
  private final SslContext tls;
  private final AgentTrust trust;
  private final AgentActivity activity;
  private final AgentStream.Agent streams =
      new AgentStream.Agent() {
        @Override
        public void registered(AgentStream s, String replica) {
          NodeAgent.this.registered(s, replica);
        }

        @Override
        public void command(AgentStream s, CoordinatorMessage m) {
          NodeAgent.this.command(s, m);
        }

        @Override
        public void ended(AgentStream s, Status status) {
          streamEnded(s, status);
        }

        @Override
        public void heartbeatSent() {
          activity.heartbeatSent();
        }
      };
  private final RunnerRegistry runners;
  private final ExecutorService workers;
  private volatile ShardSupervisor shards;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final AtomicInteger connects = new AtomicInteger();
  private volatile NodeResources resources;
  private volatile AgentStream current;
  private volatile String replica;
  private volatile boolean draining;
  private volatile boolean closed;
  private volatile Status lastFailure = Status.OK;
  private volatile boolean stopped;
  private volatile java.util.function.Consumer<Status> onStopped = st -> {};
  private int nextAddress;
  private int failures;

  /** An agent whose shards run the {@link RunnerRegistry#placeholders() placeholder} workload. */
  public NodeAgent(
      AgentSettings settings,
      ResourceProbe probe,
      Clock clock,
      RandomGenerator random,
      ScheduledExecutorService scheduler) {
    this(settings, probe, clock, random, scheduler, RunnerRegistry.placeholders());
  }

  public NodeAgent(
      AgentSettings settings,
      ResourceProbe probe,
      Clock clock,
      RandomGenerator random,
      ScheduledExecutorService scheduler,
      RunnerRegistry runners) {
    this(settings, probe, clock, random, scheduler, channel -> runners);
  }

  /**
   * An agent whose runners are made by {@code runners} from the channel to the replica the agent is
   * connected to (the one it reached last while reconnecting), for runners that call the
   * coordinators: artifacts, outputs, FedAvg rounds.
   */
  public NodeAgent(
      AgentSettings settings,
      ResourceProbe probe,
      Clock clock,
      RandomGenerator random,
      ScheduledExecutorService scheduler,
      java.util.function.Function<java.util.function.Supplier<io.grpc.Channel>, RunnerRegistry>
          runners) {
    this.settings = settings;
    AtomicInteger threads = new AtomicInteger();
    this.workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "entente-shard-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.probe = probe;
    this.clock = clock;
    this.random = random;
    this.scheduler = scheduler;
    this.trust = new AgentTrust(settings.trust(), new FederationTrust(settings.trust()));
    this.activity =
        new AgentActivity(new org.entente.agent.shards.ReceiptSigner(settings.keys(), clock));
    this.tls = TlsContexts.client(settings.keys(), trust.trust(), clock, Set.of(Role.COORDINATOR));
    this.nextAddress = 0;
    this.runners = runners.apply(this::coordinatorChannel);
  }

  /** The channel of the current stream's replica, else of the first configured one. */
  private io.grpc.Channel coordinatorChannel() {
    AgentStream s = current;
    String address = s != null ? s.address : settings.coordinators().get(0);
    return channels.computeIfAbsent(address, this::channel);
  }

  /** Probes resources and starts connecting. */
  public void start() {
    resources = probe.probe();
    shards =
        new ShardSupervisor(
            runners,
            new DevicePool(resources.getGpusList().stream().map(Gpu::getIndex).toList()),
            this::sendReport,
            activity.receipts(),
            clock,
            workers,
            scheduler,
            ShardSupervisor.Limits.DEFAULT);
    scheduler.execute(this::connect);
  }

  public Identity identity() {
    return settings.keys().identity();
  }

  public NodeResources resources() {
    return resources;
  }

  /** Whether a stream is registered right now. */
  public boolean isRegistered() {
    return replica != null;
  }

  /** The replica holding this node's stream ({@code NATION/name@host:port}), or null. */
  public String replica() {
    return replica;
  }

  public boolean isDraining() {
    return draining;
  }

  /** How many streams this agent has opened, for tests and progress output. */
  public int connects() {
    return connects.get();
  }

  /**
   * Whether the agent gave up because the federation refused this node (see {@link #lastFailure}).
   */
  public boolean isStopped() {
    return stopped;
  }

  /** Calls {@code r} once if the agent gives up because the federation refused this node. */
  public void onStopped(java.util.function.Consumer<Status> r) {
    this.onStopped = r;
  }

  /** What this agent's shards have done so far (zeros before {@link #start()}). */
  public ShardStats shardStats() {
    ShardSupervisor s = shards;
    return s == null ? new ShardStats(0, 0, 0, 0, 0) : s.stats();
  }

  /** The status that ended the last stream. */
  public Status lastFailure() {
    return lastFailure;
  }

  private synchronized void connect() {
    if (closed) {
      return;
    }
    String address = settings.coordinators().get(nextAddress % settings.coordinators().size());
    ManagedChannel channel = channels.computeIfAbsent(address, this::channel);
    connects.incrementAndGet();
    // Holding back new reports until the stream is current: each is then either in its Register or
    // sent on it.
    Identity id = identity();
    Register.Builder register =
        Register.newBuilder()
            .setNation(id.nation())
            .setName(id.name())
            .setResources(resources)
            .setAgentVersion(VERSION)
            .setDraining(draining);
    shards.withPendingReports(
        pending ->
            current =
                new AgentStream(address, channel, register, pending, streams, scheduler, clock));
  }

  /** Sends a new report on the current stream; without one it waits for the next Register. */
  private void sendReport(ShardReport r) {
    AgentStream s = current;
    if (s != null) {
      s.send(AgentMessage.newBuilder().setShardReport(r).build());
    }
  }

  private ManagedChannel channel(String address) {
    int colon = address.lastIndexOf(':');
    return NettyChannelBuilder.forAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
        .sslContext(tls)
        .keepAliveTime(settings.keepAlive().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(5, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .maxInboundMessageSize(1 << 20)
        .build();
  }

  private synchronized void streamEnded(AgentStream s, Status status) {
    if (s != current || closed) {
      return;
    }
    current = null;
    replica = null;
    lastFailure = status;
    if (FATAL.contains(status.getCode())) {
      // Another replica would say the same: this node's certificate or configuration is refused.
      stopped = true;
      log.error(
          "{}: refused by {} ({}: {}); not reconnecting",
          identity(),
          s.address,
          status.getCode(),
          status.getDescription());
      onStopped.accept(status);
      return;
    }
    nextAddress++;
    Duration wait = settings.backoff().delay(failures++, random);
    log.info(
        "{}: stream to {} ended ({}); trying {} in {} ms",
        identity(),
        s.address,
        status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()),
        settings.coordinators().get(nextAddress % settings.coordinators().size()),
        wait.toMillis());
    scheduler.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void command(AgentStream s, CoordinatorMessage m) {
    switch (m.getBodyCase()) {
      case DRAIN -> {
        // Running shards go on; the coordinator places no new ones here.
        draining = true;
        log.info(
            "{} draining: {} (by {})",
            identity(),
            m.getDrain().getReason(),
            m.getDrain().getRequestedBy());
      }
      case ASSIGN -> shards.assign(m.getAssign());
      case CANCEL -> shards.cancel(m.getCancel());
      case REPORT_ACK -> shards.acknowledge(m.getReportAck());
      case TRUST -> {
        if (trust.apply(m.getTrust())) {
          leaveIfDistrusted(s);
        }
      }
      default -> log.debug("ignoring unknown command {}", m.getBodyCase());
    }
  }

  /**
   * Ends the stream when the replica's certificate is no longer trusted (revoked, or its nation
   * removed), and drops its connection so the next one needs a new handshake.
   */
  private void leaveIfDistrusted(AgentStream s) {
    String why = trust.distrusts(s.peerCertificate(), clock.instant());
    if (why != null) {
      log.warn("{}: leaving {}: {}", identity(), s.address, why);
      ManagedChannel ch = channels.remove(s.address);
      s.abort(
          Status.UNAVAILABLE.withDescription(
              "the coordinator's certificate is no longer trusted: " + why));
      if (ch != null) {
        ch.shutdownNow();
      }
    }
  }

  /** What this agent trusts now, as it verified from the coordinators' updates. */
  public AgentTrust trust() {
    return trust;
  }

  /** What this agent has sent up so far: heartbeats, usage reported. */
  public AgentActivity activity() {
    return activity;
  }

  private synchronized void registered(AgentStream s, String by) {
    if (s == current) {
      failures = 0;
      replica = by;
      log.info("{} registered with {}", identity(), by);
    }
  }

  /**
   * Stops every shard (their CANCELLED reports go out on the stream while it is still open), then
   * closes the stream, waiting up to 2 s for the coordinator to end it, and the channels.
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    ShardSupervisor sup = shards;
    if (sup != null) {
      sup.close();
    }
    workers.shutdownNow();
    AgentStream s;
    synchronized (this) {
      s = current;
      current = null;
      replica = null;
    }
    try {
      if (s != null) {
        s.close(Duration.ofSeconds(2));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ManagedChannel ch : channels.values()) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels.values()) {
      try {
        ch.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
