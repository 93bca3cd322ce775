package org.entente.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.Heartbeat;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.Register;
import org.entente.security.FederationTrust;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.entente.security.TrustBundle;

/**
 * Saturating load: streams that register, then send heartbeats as fast as gRPC flow control allows.
 * Counts the replies it receives (the echo baseline answers every message; a coordinator answers
 * only the registration).
 */
final class StreamLoad implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ClientCallStreamObserver<AgentMessage>> streams = new ArrayList<>();
  private final AtomicLong replies = new AtomicLong();
  private volatile boolean running = true;

  StreamLoad(String address, List<KeyMaterial> nodes, TrustBundle bundle)
      throws InterruptedException {
    int colon = address.lastIndexOf(':');
    CountDownLatch registered = new CountDownLatch(nodes.size());
    FederationTrust trust = new FederationTrust(bundle);
    for (KeyMaterial keys : nodes) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress(
                  address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
              .sslContext(
                  TlsContexts.client(keys, trust, Clock.systemUTC(), Set.of(Role.COORDINATOR)))
              .build();
      channels.add(ch);
      AgentGatewayGrpc.newStub(ch)
          .connect(
              new ClientResponseObserver<AgentMessage, CoordinatorMessage>() {
                private ClientCallStreamObserver<AgentMessage> up;
                private long sequence;
                private boolean first = true;

                @Override
                public void beforeStart(ClientCallStreamObserver<AgentMessage> s) {
                  up = s;
                  synchronized (streams) {
                    streams.add(s);
                  }
                  s.setOnReadyHandler(this::pump);
                }

                private void pump() {
                  while (running && !first && up.isReady()) {
                    up.onNext(
                        AgentMessage.newBuilder()
                            .setHeartbeat(
                                Heartbeat.newBuilder()
                                    .setSequence(++sequence)
                                    .setSentAtUnixMs(sequence))
                            .build());
                  }
                }

                @Override
                public void onNext(CoordinatorMessage m) {
                  if (first) {
                    first = false;
                    registered.countDown();
                    pump();
                  } else {
                    replies.incrementAndGet();
                  }
                }

                @Override
                public void onError(Throwable t) {
                  registered.countDown();
                }

                @Override
                public void onCompleted() {}
              });
    }
    for (int i = 0; i < nodes.size(); i++) {
      ClientCallStreamObserver<AgentMessage> s;
      synchronized (streams) {
        s = streams.get(i);
      }
      KeyMaterial k = nodes.get(i);
      s.onNext(
          AgentMessage.newBuilder()
              .setRegister(
                  Register.newBuilder()
                      .setNation(k.identity().nation())
                      .setName(k.identity().name())
                      .setResources(
                          NodeResources.newBuilder().setCpuCores(4).setMemoryBytes(1L << 34)))
              .build());
    }
    if (!registered.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("streams did not register within 60 s");
    }
  }

  long replies() {
    return replies.get();
  }

  static void awaitQuietly(Duration d) throws InterruptedException {
    // A benchmark measurement window, not test synchronization.
    Thread.sleep(d.toMillis());
  }

  @Override
  public void close() {
    running = false;
    synchronized (streams) {
      for (ClientCallStreamObserver<AgentMessage> s : streams) {
        try {
          s.cancel("load done", null);
        } catch (RuntimeException ignored) {
          // already closed
        }
      }
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
