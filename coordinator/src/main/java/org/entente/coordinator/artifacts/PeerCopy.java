package org.entente.coordinator.artifacts;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.PutArtifactHeader;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.proto.v1.ReplicaServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of stored content to another replica ({@code ReplicateArtifact}): the header, then the
 * content pumped while the call is ready; completes with the peer's answer. The peer may answer
 * before everything is sent (it already held the content), which ends the copy early. Thread-safe.
 */
final class PeerCopy implements ClientResponseObserver<PutArtifactRequest, ArtifactInfo> {
  private static final Logger log = LoggerFactory.getLogger(PeerCopy.class);

  private final ArtifactStore.Read content;
  private final ArtifactStore store;
  private final LongConsumer sent;
  private final CompletableFuture<ArtifactInfo> result = new CompletableFuture<>();
  private volatile ChunkPump<PutArtifactRequest> pump;
  private volatile ArtifactInfo answer;

  private PeerCopy(ArtifactStore.Read content, ArtifactStore store, LongConsumer sent) {
    this.content = content;
    this.store = store;
    this.sent = sent;
  }

  /**
   * Starts copying {@code content} (which the copy closes) over a stub from {@code stub}.
   *
   * @param sent told the content bytes of each chunk sent
   */
  static CompletableFuture<ArtifactInfo> send(
      Supplier<ReplicaServiceGrpc.ReplicaServiceStub> stub,
      ArtifactStore.Read content,
      ArtifactStore store,
      LongConsumer sent) {
    PeerCopy copy = new PeerCopy(content, store, sent);
    try {
      // Not tied to the uploader's call: the copy goes on even if the uploader stops waiting.
      Context.ROOT.run(() -> stub.get().replicateArtifact(copy));
    } catch (RuntimeException e) {
      copy.abandon();
      return CompletableFuture.failedFuture(e);
    }
    copy.pump.pump();
    return copy.result;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<PutArtifactRequest> call) {
    PutArtifactRequest header =
        PutArtifactRequest.newBuilder()
            .setHeader(
                PutArtifactHeader.newBuilder()
                    .setSha256(content.sha256())
                    .setSizeBytes(content.sizeBytes()))
            .build();
    pump = new ChunkPump<>(call, content, store, header, PeerCopy::chunk, PeerCopy::chunk, sent);
    call.setOnReadyHandler(pump::pump);
  }

  private static PutArtifactRequest chunk(ByteString bytes) {
    return PutArtifactRequest.newBuilder().setChunk(bytes).build();
  }

  private void abandon() {
    if (pump != null) {
      pump.stop();
      return;
    }
    try {
      content.close();
    } catch (IOException e) {
      log.debug("closing {} failed: {}", content.sha256(), e.toString());
    }
  }

  @Override
  public void onNext(ArtifactInfo value) {
    answer = value;
  }

  @Override
  public void onError(Throwable t) {
    pump.stop();
    result.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    pump.stop();
    if (answer == null) {
      result.completeExceptionally(new IOException("the replica answered nothing"));
    } else {
      result.complete(answer);
    }
  }
}
