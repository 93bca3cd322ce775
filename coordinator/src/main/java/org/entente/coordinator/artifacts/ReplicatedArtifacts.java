package org.entente.coordinator.artifacts;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.entente.coordinator.api.ReplicaClients;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.zk.ReplicaRecord;
import org.entente.proto.v1.ArtifactChunk;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.GetArtifactRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The artifacts this replica holds and their copies on the other live replicas (those registered
 * under {@code /coordinators/replicas}): storing content here and copying it to all of them before
 * answering, and opening content that is missing or damaged here after fetching a verified copy
 * from the first replica that holds one. The in-process entry point for coordinator code (FedAvg
 * checkpoints) as well as for {@link ArtifactApiService}. Transfers run on a pool of their own,
 * never on gRPC's threads; concurrent fetches of one digest share a single transfer. Thread-safe.
 */
public final class ReplicatedArtifacts implements Closeable {
  /** A fetch from a peer may take this long (a large artifact between countries). */
  private static final long FETCH_DEADLINE_MS = 30 * 60_000;

  private static final Logger log = LoggerFactory.getLogger(ReplicatedArtifacts.class);

  private final Supplier<List<ReplicaRecord>> replicas;
  private final ReplicaClients clients;
  private final String self;
  private final ArtifactStore store;
  private final CoordinatorMetrics metrics;
  private final Map<String, CompletableFuture<Optional<String>>> fetching =
      new ConcurrentHashMap<>();
  private final ExecutorService transfers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "entente-artifacts");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param replicas the live replicas, this one included (it is left out by nation)
   * @param self this replica's nation
   */
  public ReplicatedArtifacts(
      Supplier<List<ReplicaRecord>> replicas,
      ReplicaClients clients,
      String self,
      ArtifactStore store,
      CoordinatorMetrics metrics) {
    this.replicas = replicas;
    this.clients = clients;
    this.self = self;
    this.store = store;
    this.metrics = metrics;
  }

  /** The nations of the other live replicas. */
  public List<String> peers() {
    return others().stream().map(ReplicaRecord::nation).toList();
  }

  /** The local store. */
  public ArtifactStore store() {
    return store;
  }

  /** This replica's nation. */
  public String self() {
    return self;
  }

  /**
   * Stores {@code content} here, verified against the declared size (and digest, unless ""), then
   * copies it to every other live replica. Blocks until the copies are done.
   *
   * @throws ArtifactRejectedException if the content is not as declared (nothing is stored)
   */
  public ArtifactInfo put(InputStream content, String declaredSha256, long sizeBytes)
      throws IOException {
    ArtifactStore.Stored stored;
    try (ArtifactStore.Upload upload = store.begin(declaredSha256, sizeBytes)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = content.readNBytes(buf, 0, buf.length)) > 0) {
        upload.write(java.nio.ByteBuffer.wrap(buf, 0, n));
      }
      stored = upload.commit();
    }
    metrics.artifactBytesStored.inc(stored.sizeBytes());
    return replicated(stored);
  }

  /** Copies stored content to the other live replicas (blocking) and describes where it is. */
  public ArtifactInfo replicated(ArtifactStore.Stored stored) {
    return info(
        stored.sha256(),
        stored.sizeBytes(),
        stored.existed(),
        replicate(stored.sha256(), stored.sizeBytes()));
  }

  /**
   * Opens a verified copy: this replica's own, or else one fetched (and verified) from another
   * replica and kept here. Blocks while fetching. Close the result.
   *
   * @return the content, or empty when no live replica holds it intact
   */
  public Optional<ArtifactStore.Read> openOrFetch(String sha256) throws IOException {
    Optional<ArtifactStore.Read> held = store.openVerified(sha256);
    if (held.isEmpty() && fetch(sha256).isPresent()) {
      held = store.openVerified(sha256);
    }
    return held;
  }

  /**
   * What this replica knows about an artifact without hashing it: held here (size from the file),
   * or else fetched from another replica first.
   *
   * @throws NotFoundException when no live replica holds it
   */
  public ArtifactInfo stat(String sha256) throws IOException {
    Optional<Long> size = store.size(sha256);
    if (size.isPresent()) {
      return info(sha256, size.get(), true, List.of(self));
    }
    String from = fetch(sha256).orElseThrow(() -> notFound(sha256));
    long fetched = store.size(sha256).orElseThrow(() -> notFound(sha256));
    return info(sha256, fetched, false, List.of(self, from));
  }

  /** The error for content no live replica holds. */
  static NotFoundException notFound(String sha256) {
    return new NotFoundException(
        "no live replica holds artifact "
            + sha256
            + "; upload it with `entente artifact put FILE`");
  }

  /** An answer naming stored content and the replicas that hold it. */
  static ArtifactInfo info(String sha256, long size, boolean existed, List<String> replicas) {
    return ArtifactInfo.newBuilder()
        .setSha256(sha256)
        .setSizeBytes(size)
        .setUri(ArtifactApiService.URI_PREFIX + sha256)
        .setExisted(existed)
        .addAllReplicas(replicas)
        .build();
  }

  /** Runs blocking artifact work (hashing, transfers) on the transfer pool. */
  <T> CompletableFuture<T> submit(Callable<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      transfers.execute(
          () -> {
            try {
              f.complete(work.call());
            } catch (Exception | Error e) {
              f.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(
          new UnavailableException("this replica is shutting down; retry on another replica"));
    }
    return f;
  }

  private List<ReplicaRecord> others() {
    return replicas.get().stream().filter(r -> !r.nation().equals(self)).toList();
  }

  /**
   * Copies the stored artifact to every other live replica at once and waits for all of them.
   * Replicas that fail are logged and left out; the artifact stays stored here either way.
   *
   * @return the nations holding a verified copy now, this one first
   */
  public List<String> replicate(String sha256, long sizeBytes) {
    Map<String, CompletableFuture<ArtifactInfo>> copies = new LinkedHashMap<>();
    for (ReplicaRecord peer : others()) {
      copies.put(peer.nation(), push(peer, sha256, sizeBytes));
    }
    List<String> holders = new ArrayList<>(List.of(self));
    for (Map.Entry<String, CompletableFuture<ArtifactInfo>> c : copies.entrySet()) {
      try {
        c.getValue().join();
        holders.add(c.getKey());
      } catch (RuntimeException e) {
        log.warn(
            "could not copy artifact {} to {}: {}", sha256, c.getKey(), describe(Calls.unwrap(e)));
      }
    }
    return holders;
  }

  private CompletableFuture<ArtifactInfo> push(ReplicaRecord peer, String sha256, long size) {
    Optional<ArtifactStore.Read> content;
    try {
      content = store.open(sha256);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (content.isEmpty()) {
      return CompletableFuture.failedFuture(
          new IOException("no longer stored here; it was removed while being copied"));
    }
    // Time to copy grows with size: a minute plus one second per megabyte.
    long deadlineMs = 60_000 + size / 1_000;
    return PeerCopy.send(
        () -> clients.replicaAsync(peer.address(), deadlineMs),
        content.get(),
        store,
        metrics.artifactBytesServed::inc);
  }

  /**
   * Fetches the artifact from the first other live replica that holds a good copy and stores it
   * here, verified. Blocks; concurrent calls for one digest share the transfer.
   *
   * @return the nation it came from, or empty when no live replica holds it
   */
  public Optional<String> fetch(String sha256) {
    CompletableFuture<Optional<String>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<String>> running = fetching.putIfAbsent(sha256, mine);
    if (running != null) {
      return running.join();
    }
    try {
      Optional<String> from = fetchFromPeers(sha256);
      mine.complete(from);
      return from;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      fetching.remove(sha256, mine);
    }
  }

  private Optional<String> fetchFromPeers(String sha256) {
    for (ReplicaRecord peer : others()) {
      Context.CancellableContext call = Context.ROOT.withCancellation();
      try {
        if (call.call(() -> fetchFrom(peer, sha256))) {
          return Optional.of(peer.nation());
        }
      } catch (StatusRuntimeException e) {
        log.info("could not fetch artifact {} from {}: {}", sha256, peer.nation(), describe(e));
      } catch (ArtifactRejectedException e) {
        log.warn(
            "{} sent a copy of artifact {} that does not match it: {}",
            peer.nation(),
            sha256,
            e.getMessage());
      } catch (Exception e) {
        log.warn("fetching artifact {} from {} failed: {}", sha256, peer.nation(), describe(e));
      } finally {
        // Ends the call if the copy was abandoned half-way.
        call.cancel(null);
      }
    }
    return Optional.empty();
  }

  /** True when the peer's copy is now stored here; false when the peer does not hold it. */
  private boolean fetchFrom(ReplicaRecord peer, String sha256) throws IOException {
    Iterator<ArtifactChunk> chunks;
    ArtifactChunk first;
    try {
      chunks =
          clients
              .replica(peer.address(), FETCH_DEADLINE_MS)
              .fetchArtifact(GetArtifactRequest.newBuilder().setSha256(sha256).build());
      if (!chunks.hasNext()) {
        throw new IOException("the replica sent no content");
      }
      first = chunks.next();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
    try (ArtifactStore.Upload upload = store.begin(sha256, first.getSizeBytes())) {
      upload.write(first.getChunk().asReadOnlyByteBuffer());
      while (chunks.hasNext()) {
        upload.write(chunks.next().getChunk().asReadOnlyByteBuffer());
      }
      ArtifactStore.Stored stored = upload.commit();
      metrics.artifactBytesStored.inc(stored.sizeBytes());
      log.info("fetched artifact {} ({} bytes) from {}", sha256, stored.sizeBytes(), peer.nation());
      return true;
    }
  }

  private static String describe(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s.getStatus().getCode()
          + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
    }
    return t.toString();
  }

  @Override
  public void close() {
    transfers.shutdownNow();
  }
}
