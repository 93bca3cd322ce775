package org.entente.agent.artifacts;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.entente.proto.v1.ArtifactChunk;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.ArtifactServiceGrpc;
import org.entente.proto.v1.GetArtifactRequest;
import org.entente.proto.v1.PutArtifactHeader;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.proto.v1.StatArtifactRequest;
import org.entente.security.FederationTrust;
import org.entente.security.IdentityInterceptor;
import org.entente.security.KeyMaterial;
import org.entente.security.PeerIdentity;
import org.entente.security.Role;
import org.entente.security.TlsContexts;

/**
 * An artifact service of our own over real mTLS, with the coordinators' 1 MiB message limit. It
 * serves what it is given under any digest, so tests can make it lie; the coordinator module tests
 * the real store. Records uploads and callers. Thread-safe.
 */
final class FakeArtifacts implements AutoCloseable {
  static final int MESSAGE_LIMIT = 1 << 20;

  final Map<String, byte[]> content = new ConcurrentHashMap<>();
  final List<PutArtifactHeader> headers = new CopyOnWriteArrayList<>();
  final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
  final List<String> callers = new CopyOnWriteArrayList<>();
  final AtomicInteger gets = new AtomicInteger();
  private final Server server;
  private final KeyMaterial clientKeys;
  private final FederationTrust trust;
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

  FakeArtifacts(KeyMaterial serverKeys, KeyMaterial clientKeys, FederationTrust trust)
      throws IOException {
    this.clientKeys = clientKeys;
    this.trust = trust;
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(TlsContexts.server(serverKeys, trust, Clock.systemUTC()))
            .maxInboundMessageSize(MESSAGE_LIMIT)
            .intercept(new IdentityInterceptor(trust, Clock.systemUTC()))
            .addService(new Service())
            .build()
            .start();
  }

  /** A channel as an agent opens it: its node certificate, coordinator servers only, 1 MiB in. */
  ManagedChannel channel() {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .sslContext(
                TlsContexts.client(clientKeys, trust, Clock.systemUTC(), Set.of(Role.COORDINATOR)))
            .maxInboundMessageSize(MESSAGE_LIMIT)
            .build();
    channels.add(ch);
    return ch;
  }

  @Override
  public void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Service extends ArtifactServiceGrpc.ArtifactServiceImplBase {
    @Override
    public StreamObserver<PutArtifactRequest> put(StreamObserver<ArtifactInfo> out) {
      callers.add(PeerIdentity.current().identity().toString());
      return new StreamObserver<>() {
        private PutArtifactHeader header;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void onNext(PutArtifactRequest r) {
          if (r.hasHeader()) {
            header = r.getHeader();
            headers.add(header);
          } else {
            chunkSizes.add(r.getChunk().size());
            bytes.writeBytes(r.getChunk().toByteArray());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          content.put(header.getSha256(), bytes.toByteArray());
          out.onNext(
              ArtifactInfo.newBuilder()
                  .setSha256(header.getSha256())
                  .setSizeBytes(bytes.size())
                  .setUri("entente:artifacts/" + header.getSha256())
                  .addReplicas("DE")
                  .build());
          out.onCompleted();
        }
      };
    }

    @Override
    public void get(GetArtifactRequest req, StreamObserver<ArtifactChunk> out) {
      callers.add(PeerIdentity.current().identity().toString());
      gets.incrementAndGet();
      byte[] b = content.get(req.getSha256());
      if (b == null) {
        out.onError(Status.NOT_FOUND.withDescription("no such artifact").asRuntimeException());
        return;
      }
      int step = (1 << 20) - 1024;
      int at = 0;
      do {
        int n = Math.min(step, b.length - at);
        ArtifactChunk.Builder c =
            ArtifactChunk.newBuilder().setChunk(ByteString.copyFrom(b, at, n));
        if (at == 0) {
          c.setSizeBytes(b.length);
        }
        out.onNext(c.build());
        at += n;
      } while (at < b.length);
      out.onCompleted();
    }

    @Override
    public void stat(StatArtifactRequest req, StreamObserver<ArtifactInfo> out) {
      out.onError(Status.UNIMPLEMENTED.asRuntimeException());
    }
  }
}
