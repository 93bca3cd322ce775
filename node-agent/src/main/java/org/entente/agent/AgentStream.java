package org.entente.agent;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Heartbeat;
import org.entente.proto.v1.Register;
import org.entente.proto.v1.ShardReport;

/**
 * One agent stream to one replica, split from {@link NodeAgent} along its seam (the agent decides
 * where to connect and what to do; a stream carries one connection's messages): it registers with
 * the reports still unacknowledged, heartbeats once registered, hands every command to its agent,
 * and knows the certificate the replica presented. Thread-safe.
 */
final class AgentStream implements StreamObserver<CoordinatorMessage> {
  /** Room for shard reports in a Register; the rest follow it as separate reports. */
  private static final int REGISTER_REPORT_BYTES = 512 << 10;

  /** What a stream tells its agent. */
  interface Agent {
    void registered(AgentStream s, String replica);

    void command(AgentStream s, CoordinatorMessage m);

    void ended(AgentStream s, Status status);

    /** A heartbeat went up (for the agent's metrics). */
    default void heartbeatSent() {}
  }

  final String address;
  private final Agent agent;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final StreamObserver<AgentMessage> up;
  private volatile ClientCall<?, ?> call;
  private ScheduledFuture<?> heartbeats;
  private long sequence;
  private boolean ended;
  private boolean halfClosed;
  private final CountDownLatch over = new CountDownLatch(1);

  AgentStream(
      String address,
      ManagedChannel channel,
      Register.Builder register,
      List<ShardReport> pending,
      Agent agent,
      ScheduledExecutorService scheduler,
      Clock clock) {
    this.address = address;
    this.agent = agent;
    this.scheduler = scheduler;
    this.clock = clock;
    ClientInterceptor remember =
        new ClientInterceptor() {
          @Override
          public <Q, R> ClientCall<Q, R> interceptCall(
              MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            ClientCall<Q, R> c = next.newCall(method, options);
            call = c;
            return c;
          }
        };
    this.up = AgentGatewayGrpc.newStub(channel).withInterceptors(remember).connect(this);
    // The coordinator's message size limit bounds a Register; what does not fit follows it.
    List<ShardReport> overflow = new ArrayList<>();
    int room = REGISTER_REPORT_BYTES;
    for (ShardReport r : pending) {
      int size = r.getSerializedSize() + 8;
      if (overflow.isEmpty() && size <= room) {
        register.addShards(r);
        room -= size;
      } else {
        overflow.add(r);
      }
    }
    send(AgentMessage.newBuilder().setRegister(register).build());
    for (ShardReport r : overflow) {
      send(AgentMessage.newBuilder().setShardReport(r).build());
    }
  }

  /** The certificate the replica presented, or null before the handshake completed. */
  X509Certificate peerCertificate() {
    ClientCall<?, ?> c = call;
    SSLSession session = c == null ? null : c.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  synchronized void send(AgentMessage m) {
    if (!ended && !halfClosed) {
      up.onNext(m);
    }
  }

  private void beat() {
    send(
        AgentMessage.newBuilder()
            .setHeartbeat(
                Heartbeat.newBuilder().setSequence(++sequence).setSentAtUnixMs(clock.millis()))
            .build());
    agent.heartbeatSent();
  }

  @Override
  public void onNext(CoordinatorMessage m) {
    if (m.getBodyCase() == CoordinatorMessage.BodyCase.REGISTERED) {
      long every = Math.max(50, m.getRegistered().getHeartbeatIntervalMs());
      synchronized (this) {
        if (!ended) {
          heartbeats = scheduler.scheduleAtFixedRate(this::beat, 0, every, TimeUnit.MILLISECONDS);
        }
      }
      agent.registered(this, m.getRegistered().getReplica());
      return;
    }
    agent.command(this, m);
  }

  @Override
  public void onError(Throwable t) {
    end(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    end(Status.UNAVAILABLE.withDescription("coordinator closed the stream"));
  }

  /** Ends the stream from this side, telling the agent {@code why} (it then reconnects). */
  void abort(Status why) {
    synchronized (this) {
      if (ended) {
        return;
      }
      up.onError(why.asRuntimeException());
    }
    end(why);
  }

  private void end(Status status) {
    synchronized (this) {
      if (ended && over.getCount() == 0) {
        return;
      }
      ended = true;
      if (heartbeats != null) {
        heartbeats.cancel(false);
      }
    }
    over.countDown();
    agent.ended(this, status);
  }

  /**
   * Half-closes the stream and waits up to {@code grace} for the coordinator to end it, then
   * cancels it. Cancelling at once could overtake the last reports sent: HTTP/2 writes a reset
   * before data still queued for the stream.
   */
  void close(Duration grace) throws InterruptedException {
    synchronized (this) {
      if (ended) {
        return;
      }
      halfClosed = true;
      if (heartbeats != null) {
        heartbeats.cancel(false);
      }
      up.onCompleted();
    }
    over.await(grace.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (this) {
      if (!ended) {
        ended = true;
        up.onError(Status.CANCELLED.withDescription("agent stopping").asRuntimeException());
      }
    }
  }
}
