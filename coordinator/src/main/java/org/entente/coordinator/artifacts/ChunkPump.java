package org.entente.coordinator.artifacts;

import com.google.protobuf.ByteString;
import io.grpc.stub.CallStreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.grpc.StatusMapper;
import org.entente.security.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends stored content down a call in chunks, only while the call {@linkplain
 * CallStreamObserver#isReady is ready}: {@link #pump} is the call's on-ready handler, so a large
 * artifact never queues in memory beyond a chunk or two. The content is hashed as it goes; if it no
 * longer matches its digest at the end (changed on disk after it was opened), the call fails
 * instead of completing and the damaged copy is removed. Used for downloads (server side) and for
 * copies to other replicas (client side). Thread-safe: the on-ready handler and the thread that
 * starts the pump may race.
 *
 * @param <T> the call's outbound message
 */
final class ChunkPump<T> {
  /**
   * Content bytes per message: 1 KiB under 1 MiB, so that a chunk with its framing fits the 1 MiB
   * message limit of the coordinators' servers and of the agents' channels.
   */
  static final int CHUNK_BYTES = (1 << 20) - 1024;

  private static final Logger log = LoggerFactory.getLogger(ChunkPump.class);

  private final CallStreamObserver<T> out;
  private final ArtifactStore.Read content;
  private final ArtifactStore store;
  private final T header;
  private final Function<ByteString, T> first;
  private final Function<ByteString, T> rest;
  private final LongConsumer sent;
  private final MessageDigest digest = Sha256.newDigest();
  private final ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
  private boolean headerSent;
  private boolean firstSent;
  private boolean done;

  /**
   * @param header sent before any content (null for none)
   * @param first makes the first content message (sent even for empty content)
   * @param rest makes every later content message
   * @param sent told how many content bytes each message carried
   */
  ChunkPump(
      CallStreamObserver<T> out,
      ArtifactStore.Read content,
      ArtifactStore store,
      T header,
      Function<ByteString, T> first,
      Function<ByteString, T> rest,
      LongConsumer sent) {
    this.out = out;
    this.content = content;
    this.store = store;
    this.header = header;
    this.first = first;
    this.rest = rest;
    this.sent = sent;
  }

  /** Sends as much as the call takes now; called again whenever it becomes ready. */
  synchronized void pump() {
    if (done) {
      return;
    }
    try {
      if (header != null && !headerSent) {
        if (!out.isReady()) {
          return;
        }
        out.onNext(header);
        headerSent = true;
      }
      while (!done && out.isReady()) {
        buf.clear();
        int n = readChunk();
        if (n == 0 && firstSent) {
          finish();
          return;
        }
        buf.flip();
        digest.update(buf.duplicate());
        ByteString bytes = ByteString.copyFrom(buf);
        out.onNext(firstSent ? rest.apply(bytes) : first.apply(bytes));
        firstSent = true;
        sent.accept(n);
        if (n < CHUNK_BYTES) {
          finish();
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      done = true;
      closeContent();
      out.onError(StatusMapper.toStatus(e));
    }
  }

  /** Stops sending (the call was cancelled or answered) and releases the content. */
  synchronized void stop() {
    if (!done) {
      done = true;
      closeContent();
    }
  }

  private int readChunk() throws IOException {
    int total = 0;
    while (buf.hasRemaining()) {
      int n = content.channel().read(buf);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private void finish() throws IOException {
    done = true;
    closeContent();
    String actual = Sha256.hex(digest);
    if (!actual.equals(content.sha256())) {
      store.discardDamaged(content.sha256(), actual);
      out.onError(
          StatusMapper.toStatus(
              new UnavailableException(
                  "the stored copy of "
                      + content.sha256()
                      + " changed on disk while it was sent and was removed; retry, a good copy"
                      + " will be fetched from another replica")));
      return;
    }
    out.onCompleted();
  }

  private void closeContent() {
    try {
      content.close();
    } catch (IOException e) {
      log.debug("closing {} failed: {}", content.sha256(), e.toString());
    }
  }
}
