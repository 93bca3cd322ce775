package org.entente.agent.artifacts;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.entente.agent.shards.ArtifactException;
import org.entente.proto.v1.ArtifactChunk;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.ArtifactServiceGrpc;
import org.entente.proto.v1.GetArtifactRequest;
import org.entente.proto.v1.PutArtifactHeader;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.proto.v1.StatArtifactRequest;
import org.entente.security.Sha256;

/**
 * The coordinators' artifact store as seen by a client (agents, the command line): upload a file,
 * download content verified against its digest, look one up. Uploads send as fast as the replica
 * takes them (flow control), downloads arrive one message at a time, so neither holds more than a
 * chunk or two in memory. Failures of the call are {@link StatusRuntimeException}s, for the
 * caller's status classifier. Blocking; interrupting the calling thread cancels the call. Thread-
 * safe.
 */
public final class ArtifactClient {
  /** URI prefix of stored artifacts. */
  public static final String URI_PREFIX = "entente:artifacts/";

  /**
   * Content bytes per upload message: 1 KiB under the protocol's 1 MiB, so a chunk with its framing
   * fits the coordinators' 1 MiB message limit.
   */
  public static final int CHUNK_BYTES = (1 << 20) - 1024;

  private static final long STAT_DEADLINE_MS = 30_000;
  private static final long GET_DEADLINE_MS = 30 * 60_000;

  private final Supplier<Channel> channel;

  /**
   * @param channel the mTLS channel to a coordinator replica, asked for on every call
   */
  public ArtifactClient(Supplier<Channel> channel) {
    this.channel = channel;
  }

  /**
   * Uploads {@code file}: hashes it first, then sends a header with its SHA-256 and size and the
   * content in chunks; the replica checks both and copies the artifact to the other replicas.
   *
   * @param progress told the bytes sent so far after each chunk
   * @throws IOException if the file cannot be read or changed while it was sent
   * @throws StatusRuntimeException if the replica refused the upload or could not be reached
   */
  public ArtifactInfo put(Path file, LongConsumer progress)
      throws IOException, InterruptedException {
    long size;
    String sha;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      MessageDigest d = Sha256.newDigest();
      size = hash(in, d);
      sha = Sha256.hex(d);
    } catch (ClosedByInterruptException e) {
      throw interrupted(e);
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      return new Upload(file, sha, size).send(in, progress);
    } catch (ClosedByInterruptException e) {
      throw interrupted(e);
    }
  }

  /** What the store holds under {@code sha256} (a replica without it fetches it from another). */
  public ArtifactInfo stat(String sha256) {
    return ArtifactServiceGrpc.newBlockingStub(channel.get())
        .withDeadlineAfter(STAT_DEADLINE_MS, TimeUnit.MILLISECONDS)
        .stat(StatArtifactRequest.newBuilder().setSha256(sha256).build());
  }

  /**
   * Downloads {@code sha256} to {@code target}, replacing it atomically once the content is
   * verified; on any failure nothing is written at or beside {@code target}. A mismatch names both
   * digests.
   *
   * @param progress told the bytes received so far after each chunk
   * @return the size in bytes
   * @throws ArtifactException if the content does not hash to {@code sha256}
   * @throws StatusRuntimeException if the store does not have it or could not be reached
   */
  public long get(String sha256, Path target, LongConsumer progress)
      throws IOException, InterruptedException {
    try (VerifiedFile file = VerifiedFile.beside(target)) {
      return download(sha256, file, URI_PREFIX + sha256, progress);
    }
  }

  /** Downloads {@code sha256} into {@code file} and commits it. */
  long download(String sha256, VerifiedFile file, String label, LongConsumer progress)
      throws IOException, InterruptedException {
    Iterator<ArtifactChunk> chunks =
        ArtifactServiceGrpc.newBlockingStub(channel.get())
            .withDeadlineAfter(GET_DEADLINE_MS, TimeUnit.MILLISECONDS)
            .get(GetArtifactRequest.newBuilder().setSha256(sha256).build());
    long declared = -1;
    try {
      while (chunks.hasNext()) {
        ArtifactChunk c = chunks.next();
        if (declared < 0) {
          declared = c.getSizeBytes();
        }
        if (file.size() + c.getChunk().size() > declared) {
          throw new ArtifactException(
              label + ": the replica sent more than the " + declared + " bytes it announced");
        }
        file.write(c.getChunk().asReadOnlyByteBuffer());
        progress.accept(file.size());
      }
    } catch (StatusRuntimeException e) {
      if (Thread.interrupted()) {
        throw new InterruptedException("download of " + label + " interrupted");
      }
      throw e;
    }
    if (declared < 0) {
      throw new ArtifactException(label + ": the replica sent no content");
    }
    if (file.size() != declared) {
      throw new ArtifactException(
          label + ": the replica announced " + declared + " bytes but sent " + file.size());
    }
    file.commit(sha256, label);
    return declared;
  }

  private static long hash(FileChannel in, MessageDigest d) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    long size = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      buf.flip();
      d.update(buf);
      buf.clear();
      size += n;
    }
    return size;
  }

  private static InterruptedException interrupted(IOException e) {
    Thread.interrupted();
    InterruptedException ie = new InterruptedException("interrupted while reading a file");
    ie.initCause(e);
    return ie;
  }

  /** One upload: sends while the call is ready, waits (interruptibly) while it is not. */
  private final class Upload implements ClientResponseObserver<PutArtifactRequest, ArtifactInfo> {
    private final Path file;
    private final String sha;
    private final long size;
    private final CompletableFuture<ArtifactInfo> answer = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private ClientCallStreamObserver<PutArtifactRequest> call;
    private ArtifactInfo info;

    Upload(Path file, String sha, long size) {
      this.file = file;
      this.sha = sha;
      this.size = size;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<PutArtifactRequest> c) {
      this.call = c;
      c.setOnReadyHandler(this::signal);
    }

    private void signal() {
      lock.lock();
      try {
        ready.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onNext(ArtifactInfo value) {
      info = value;
    }

    @Override
    public void onError(Throwable t) {
      answer.completeExceptionally(t);
      signal();
    }

    @Override
    public void onCompleted() {
      answer.complete(info);
      signal();
    }

    ArtifactInfo send(FileChannel in, LongConsumer progress)
        throws IOException, InterruptedException {
      // Two minutes, plus two seconds per megabyte: the replica copies it on before answering.
      long deadlineMs = 120_000 + size / 500;
      ArtifactServiceGrpc.newStub(channel.get())
          .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
          .put(this);
      try {
        awaitReady();
        call.onNext(
            PutArtifactRequest.newBuilder()
                .setHeader(PutArtifactHeader.newBuilder().setSha256(sha).setSizeBytes(size))
                .build());
        MessageDigest d = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
        long sent = 0;
        // The replica may answer before everything is sent: it already held the content.
        while (sent < size && !answer.isDone()) {
          buf.clear();
          buf.limit((int) Math.min(CHUNK_BYTES, size - sent));
          while (buf.hasRemaining() && in.read(buf) >= 0) {}
          buf.flip();
          if (!buf.hasRemaining()) {
            throw new IOException(file + " became shorter while it was being uploaded");
          }
          d.update(buf.duplicate());
          sent += buf.remaining();
          awaitReady();
          call.onNext(PutArtifactRequest.newBuilder().setChunk(ByteString.copyFrom(buf)).build());
          progress.accept(sent);
        }
        if (!answer.isDone()) {
          if (!Sha256.hex(d).equals(sha)) {
            throw new IOException(
                file + " changed while it was being uploaded; nothing was stored");
          }
          call.onCompleted();
        }
        return answer.get();
      } catch (InterruptedException | IOException | RuntimeException e) {
        call.cancel("upload abandoned: " + e.getMessage(), e);
        throw e;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException s) {
          throw s;
        }
        throw Status.fromThrowable(e.getCause()).asRuntimeException();
      }
    }

    private void awaitReady() throws InterruptedException {
      lock.lock();
      try {
        while (!call.isReady() && !answer.isDone()) {
          ready.await();
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
