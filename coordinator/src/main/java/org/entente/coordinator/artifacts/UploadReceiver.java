package org.entente.coordinator.artifacts;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.grpc.StatusMapper;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.PutArtifactHeader;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.security.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of an upload ({@code Put}, and {@code ReplicateArtifact} between replicas): one
 * header, then chunks of at most 1 MiB, written to the store as they arrive (gRPC asks for the next
 * message only when this one is written, so a fast sender waits for the disk). More bytes than
 * declared fail the call at once; at the end the store checks size and digest. When the header
 * names content the store already holds intact, the call is answered at once and the rest of the
 * stream is ignored. Whatever fails, the caller gets one status and nothing half-written stays. Not
 * thread-safe: gRPC delivers one call's messages one at a time.
 */
final class UploadReceiver implements StreamObserver<PutArtifactRequest> {
  /** The most content one message may carry, as the protocol states. */
  static final int MAX_CHUNK_BYTES = 1 << 20;

  private static final Logger log = LoggerFactory.getLogger(UploadReceiver.class);

  private final ArtifactStore store;
  private final StreamObserver<ArtifactInfo> out;
  private final Function<ArtifactStore.Stored, CompletionStage<ArtifactInfo>> then;
  private final LongConsumer storedBytes;
  private ArtifactStore.Upload upload;
  private boolean done;

  /**
   * @param then what to do once the content is stored (replicate it, or just answer)
   * @param storedBytes told the size of each upload that was stored
   */
  UploadReceiver(
      ArtifactStore store,
      StreamObserver<ArtifactInfo> out,
      Function<ArtifactStore.Stored, CompletionStage<ArtifactInfo>> then,
      LongConsumer storedBytes) {
    this.store = store;
    this.out = out;
    this.then = then;
    this.storedBytes = storedBytes;
  }

  @Override
  public void onNext(PutArtifactRequest req) {
    if (done) {
      return;
    }
    try {
      switch (req.getPartCase()) {
        case HEADER -> header(req.getHeader());
        case CHUNK -> chunk(req.getChunk());
        default ->
            throw new InvalidRequestException("part", "each message must hold a header or a chunk");
      }
    } catch (ArtifactRejectedException e) {
      fail(new InvalidRequestException("header." + e.field(), e.getMessage()));
    } catch (IOException | RuntimeException e) {
      fail(e);
    }
  }

  private void header(PutArtifactHeader h) throws IOException {
    if (upload != null) {
      throw new InvalidRequestException("header", "sent twice; send one header, then the chunks");
    }
    if (Sha256.isDigest(h.getSha256()) && alreadyHeld(h.getSha256(), h.getSizeBytes())) {
      done = true;
      answer(then.apply(new ArtifactStore.Stored(h.getSha256(), h.getSizeBytes(), true)));
      return;
    }
    upload = store.begin(h.getSha256(), h.getSizeBytes());
  }

  private boolean alreadyHeld(String sha256, long size) throws IOException {
    if (!store.size(sha256).equals(Optional.of(size))) {
      return false;
    }
    Optional<ArtifactStore.Read> held = store.openVerified(sha256);
    if (held.isEmpty()) {
      return false;
    }
    held.get().close();
    return true;
  }

  private void chunk(ByteString chunk) throws IOException {
    if (upload == null) {
      throw new InvalidRequestException("header", "must come first, before any chunk");
    }
    if (chunk.size() > MAX_CHUNK_BYTES) {
      throw new InvalidRequestException(
          "chunk", "at most " + MAX_CHUNK_BYTES + " bytes per message, got " + chunk.size());
    }
    upload.write(chunk.asReadOnlyByteBuffer());
  }

  @Override
  public void onError(Throwable t) {
    // The uploader cancelled or went away: nothing is kept.
    done = true;
    if (upload != null) {
      upload.close();
    }
  }

  @Override
  public void onCompleted() {
    if (done) {
      return;
    }
    if (upload == null) {
      fail(
          new InvalidRequestException(
              "header", "no header was sent; send a header with sha256 and size_bytes first"));
      return;
    }
    ArtifactStore.Stored stored;
    try {
      stored = upload.commit();
    } catch (ArtifactRejectedException e) {
      fail(new InvalidRequestException("header." + e.field(), e.getMessage()));
      return;
    } catch (IOException | RuntimeException e) {
      fail(e);
      return;
    }
    done = true;
    storedBytes.accept(stored.sizeBytes());
    answer(then.apply(stored));
  }

  private void answer(CompletionStage<ArtifactInfo> info) {
    info.whenComplete(
        (r, e) -> {
          try {
            if (e != null) {
              out.onError(StatusMapper.toStatus(Calls.unwrap(e)));
            } else {
              out.onNext(r);
              out.onCompleted();
            }
          } catch (RuntimeException late) {
            // The uploader cancelled while the content was being copied; it is stored anyway.
            log.debug("upload answer not delivered: {}", late.toString());
          }
        });
  }

  private void fail(Exception e) {
    done = true;
    if (upload != null) {
      upload.close();
    }
    out.onError(StatusMapper.toStatus(e));
  }
}
