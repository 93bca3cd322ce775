package org.entente.coordinator.artifacts;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.grpc.StatusMapper;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.proto.v1.ArtifactChunk;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.ArtifactServiceGrpc;
import org.entente.proto.v1.GetArtifactRequest;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.proto.v1.StatArtifactRequest;
import org.entente.security.PeerIdentity;
import org.entente.security.Sha256;

/**
 * The coordinators' content-addressed artifact store as a service. Any member identity reads;
 * operators, nodes and coordinators upload. An upload is verified and stored here, then copied to
 * every other live replica before it is answered, so losing one replica loses no artifact. A
 * download is served from the local copy after hashing it; a missing or damaged local copy is first
 * fetched (verified) from a replica that holds it. Downloads follow the receiver's flow control.
 * Also serves the two coordinator-internal artifact calls for {@code ReplicaService}. Thread-safe.
 */
public final class ArtifactApiService extends ArtifactServiceGrpc.ArtifactServiceImplBase {
  /** The URI scheme and path of stored artifacts. */
  public static final String URI_PREFIX = "entente:artifacts/";

  private final ReplicatedArtifacts artifacts;
  private final ArtifactStore store;
  private final CoordinatorMetrics metrics;

  public ArtifactApiService(ReplicatedArtifacts artifacts, CoordinatorMetrics metrics) {
    this.artifacts = artifacts;
    this.store = artifacts.store();
    this.metrics = metrics;
  }

  @Override
  public StreamObserver<PutArtifactRequest> put(StreamObserver<ArtifactInfo> out) {
    if (!allowed(Action.PUT_ARTIFACT, out)) {
      return new Ignore<>();
    }
    return new UploadReceiver(
        store,
        out,
        stored -> artifacts.submit(() -> artifacts.replicated(stored)),
        metrics.artifactBytesStored::inc);
  }

  /**
   * {@code ReplicaService.ReplicateArtifact}: stores a copy sent by the replica that received the
   * upload. Coordinators only. Copies are not copied on.
   */
  public StreamObserver<PutArtifactRequest> receiveCopy(StreamObserver<ArtifactInfo> out) {
    if (!allowed(Action.REPLICA_INTERNAL, out)) {
      return new Ignore<>();
    }
    return new UploadReceiver(
        store,
        out,
        stored ->
            CompletableFuture.completedFuture(
                ReplicatedArtifacts.info(
                    stored.sha256(),
                    stored.sizeBytes(),
                    stored.existed(),
                    List.of(artifacts.self()))),
        metrics.artifactBytesStored::inc);
  }

  @Override
  public void get(GetArtifactRequest req, StreamObserver<ArtifactChunk> out) {
    serve(req.getSha256(), out, true);
  }

  /**
   * {@code ReplicaService.FetchArtifact}: serves this replica's own verified copy, NOT_FOUND when
   * it has none (it never asks further replicas). Coordinators only.
   */
  public void serveCopy(GetArtifactRequest req, StreamObserver<ArtifactChunk> out) {
    serve(req.getSha256(), out, false);
  }

  @Override
  public void stat(StatArtifactRequest req, StreamObserver<ArtifactInfo> out) {
    Calls.async(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_ARTIFACTS, "", "");
          String sha = digest(req.getSha256());
          return artifacts.submit(() -> artifacts.stat(sha));
        });
  }

  private void serve(String sha256, StreamObserver<ArtifactChunk> raw, boolean askPeers) {
    ServerCallStreamObserver<ArtifactChunk> out = (ServerCallStreamObserver<ArtifactChunk>) raw;
    String sha;
    try {
      AccessPolicy.check(
          PeerIdentity.current().identity(),
          askPeers ? Action.READ_ARTIFACTS : Action.REPLICA_INTERNAL,
          "",
          "");
      sha = digest(sha256);
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    Download d = new Download(out);
    out.setOnCancelHandler(d::cancel);
    out.setOnReadyHandler(d::ready);
    artifacts
        .submit(
            () ->
                (askPeers ? artifacts.openOrFetch(sha) : store.openVerified(sha))
                    .orElseThrow(() -> ReplicatedArtifacts.notFound(sha)))
        .whenComplete(
            (content, e) -> {
              if (e != null) {
                d.fail(Calls.unwrap(e));
              } else {
                d.start(content);
              }
            });
  }

  /** One download: waits for its content, then pumps it as the call allows. */
  private final class Download {
    private final ServerCallStreamObserver<ArtifactChunk> out;
    private ChunkPump<ArtifactChunk> pump;
    private boolean cancelled;

    Download(ServerCallStreamObserver<ArtifactChunk> out) {
      this.out = out;
    }

    synchronized void start(ArtifactStore.Read content) {
      if (cancelled) {
        try {
          content.close();
        } catch (IOException e) {
          // Nothing more to release.
        }
        return;
      }
      long size = content.sizeBytes();
      pump =
          new ChunkPump<>(
              out,
              content,
              store,
              null,
              b -> ArtifactChunk.newBuilder().setSizeBytes(size).setChunk(b).build(),
              b -> ArtifactChunk.newBuilder().setChunk(b).build(),
              metrics.artifactBytesServed::inc);
      pump.pump();
    }

    synchronized void fail(Throwable e) {
      if (!cancelled) {
        out.onError(StatusMapper.toStatus(e));
      }
    }

    void ready() {
      ChunkPump<ArtifactChunk> p;
      synchronized (this) {
        p = pump;
      }
      if (p != null) {
        p.pump();
      }
    }

    synchronized void cancel() {
      cancelled = true;
      if (pump != null) {
        pump.stop();
      }
    }
  }

  /** Checks the caller; a refusal is answered on {@code out}. */
  private static boolean allowed(Action action, StreamObserver<?> out) {
    try {
      AccessPolicy.check(PeerIdentity.current().identity(), action, "", "");
      return true;
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return false;
    }
  }

  private static String digest(String sha256) {
    if (!Sha256.isDigest(sha256)) {
      throw new InvalidRequestException(
          "sha256", "must be 64 lowercase hex characters, got " + Sha256.quote(sha256));
    }
    return sha256;
  }

  /** Swallows the rest of a stream already answered with an error. */
  private static final class Ignore<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
