package org.entente.agent;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Heartbeat;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's membership in the federation: keeps one registered stream to some coordinator replica,
 * heartbeats on it, follows the commands sent down, and when the stream breaks moves to the next
 * replica in its list with exponential backoff. The scheduler is injected so that many agents can
 * share one (benchmarks). Thread-safe.
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
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final AtomicInteger connects = new AtomicInteger();
  private volatile NodeResources resources;
  private volatile Stream current;
  private volatile String replica;
  private volatile boolean draining;
  private volatile boolean closed;
  private volatile Status lastFailure = Status.OK;
  private volatile boolean stopped;
  private volatile java.util.function.Consumer<Status> onStopped = st -> {};
  private int nextAddress;
  private int failures;

  public NodeAgent(
      AgentSettings settings,
      ResourceProbe probe,
      Clock clock,
      RandomGenerator random,
      ScheduledExecutorService scheduler) {
    this.settings = settings;
    this.probe = probe;
    this.clock = clock;
    this.random = random;
    this.scheduler = scheduler;
    this.tls =
        TlsContexts.client(
            settings.keys(),
            new FederationTrust(settings.trust()),
            clock,
            Set.of(Role.COORDINATOR));
    this.nextAddress = 0;
  }

  /** Probes resources and starts connecting. */
  public void start() {
    resources = probe.probe();
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
    current = new Stream(address, channel);
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

  private synchronized void streamEnded(Stream s, Status status) {
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

  private synchronized void registered(Stream s, String by) {
    if (s == current) {
      failures = 0;
      replica = by;
      log.info("{} registered with {}", identity(), by);
    }
  }

  /** One stream to one replica. */
  private final class Stream implements StreamObserver<CoordinatorMessage> {
    private final String address;
    private final StreamObserver<AgentMessage> up;
    private ScheduledFuture<?> heartbeats;
    private long sequence;
    private boolean ended;

    Stream(String address, ManagedChannel channel) {
      this.address = address;
      this.up = AgentGatewayGrpc.newStub(channel).connect(this);
      Identity id = identity();
      send(
          AgentMessage.newBuilder()
              .setRegister(
                  Register.newBuilder()
                      .setNation(id.nation())
                      .setName(id.name())
                      .setResources(resources)
                      .setAgentVersion(VERSION)
                      .setDraining(draining))
              .build());
    }

    private synchronized void send(AgentMessage m) {
      if (!ended) {
        up.onNext(m);
      }
    }

    private void beat() {
      send(
          AgentMessage.newBuilder()
              .setHeartbeat(
                  Heartbeat.newBuilder().setSequence(++sequence).setSentAtUnixMs(clock.millis()))
              .build());
    }

    @Override
    public void onNext(CoordinatorMessage m) {
      switch (m.getBodyCase()) {
        case REGISTERED -> {
          long every = Math.max(50, m.getRegistered().getHeartbeatIntervalMs());
          synchronized (this) {
            if (!ended) {
              heartbeats =
                  scheduler.scheduleAtFixedRate(this::beat, 0, every, TimeUnit.MILLISECONDS);
            }
          }
          registered(this, m.getRegistered().getReplica());
        }
        case DRAIN -> {
          draining = true;
          log.info(
              "{} draining: {} (by {})",
              identity(),
              m.getDrain().getReason(),
              m.getDrain().getRequestedBy());
        }
        default -> log.debug("ignoring unknown command {}", m.getBodyCase());
      }
    }

    @Override
    public void onError(Throwable t) {
      end(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end(Status.UNAVAILABLE.withDescription("coordinator closed the stream"));
    }

    private void end(Status status) {
      synchronized (this) {
        ended = true;
        if (heartbeats != null) {
          heartbeats.cancel(false);
        }
      }
      streamEnded(this, status);
    }

    synchronized void cancel() {
      if (!ended) {
        ended = true;
        if (heartbeats != null) {
          heartbeats.cancel(false);
        }
        up.onError(Status.CANCELLED.withDescription("agent stopping").asRuntimeException());
      }
    }
  }

  @Override
  public void close() {
    Stream s;
    synchronized (this) {
      closed = true;
      s = current;
      current = null;
      replica = null;
    }
    if (s != null) {
      s.cancel();
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
