package org.entente.agent.artifacts;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.entente.agent.shards.ArtifactException;
import org.entente.proto.v1.Artifact;
import org.entente.security.Sha256;

/**
 * Provides shards with verified local copies of their artifacts:
 *
 * <ul>
 *   <li>{@code file:/path} — a file on this host under one of the agent's {@link DataRoot}s that
 *       allows the job's nation; copied into the cache while it is hashed, so what the shard reads
 *       is exactly what was checked, whatever happens to the file afterwards;
 *   <li>{@code https://...} — downloaded with the configured TLS trust, at most {@code maxBytes};
 *   <li>{@code entente:artifacts/<sha256>} — downloaded from the coordinators' store over the
 *       agent's mTLS channel.
 * </ul>
 *
 * Content lands in a content-addressed {@link ArtifactCache}: written beside its place while
 * hashed, moved there read-only only once it matches, so nothing unverified is ever in the cache. A
 * download is reused by a later fetch of the same digest once its entry passes a cheap check; a
 * {@code file:} artifact is read again on every fetch, because reading it is allowed per job. Every
 * failure is an {@link ArtifactException} that names the artifact and what is wrong, and never the
 * digest of content the job could not read. Fetching is interruptible. One fetcher per cache
 * directory; thread-safe.
 */
public final class ArtifactFetcher {
  /** Default largest download: 2 GiB. */
  public static final long DEFAULT_MAX_BYTES = 2L << 30;

  private final ArtifactCache cache;
  private final DataRoots dataRoots;
  private final ArtifactClient store;
  private final HttpsDownloader web;

  /**
   * A fetcher that reads no files of its host: {@code file:} artifacts are refused.
   *
   * @see #ArtifactFetcher(Path, Supplier, SSLContext, long, List)
   */
  public ArtifactFetcher(
      Path cacheDir, Supplier<Channel> coordinator, SSLContext https, long maxBytes)
      throws IOException {
    this(cacheDir, coordinator, https, maxBytes, List.of());
  }

  /**
   * @param cacheDir the cache directory (created if needed; unfinished downloads in it removed)
   * @param coordinator the agent's mTLS channel to its replica, for {@code entente:} artifacts
   * @param https trust for {@code https:} downloads (for example {@code SSLContext.getDefault()})
   * @param maxBytes the largest {@code https:} download accepted
   * @param dataRoots the directories {@code file:} artifacts may name, and for jobs of which
   *     nations; none refuses every {@code file:} artifact
   */
  public ArtifactFetcher(
      Path cacheDir,
      Supplier<Channel> coordinator,
      SSLContext https,
      long maxBytes,
      List<DataRoot> dataRoots)
      throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("download limit must be positive, got " + maxBytes);
    }
    this.cache = new ArtifactCache(cacheDir);
    this.dataRoots = new DataRoots(dataRoots);
    this.store = new ArtifactClient(coordinator);
    this.web = new HttpsDownloader(https, maxBytes, HttpsDownloader.DEFAULT_IDLE_TIMEOUT);
  }

  /** Where the cache keeps downloaded content with digest {@code sha256}. */
  public Path cached(String sha256) {
    if (!Sha256.isDigest(sha256)) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: " + Sha256.quote(sha256));
    }
    return cache.download(sha256);
  }

  /** Like {@link #fetch(String, Artifact)}, naming the artifact by its URI in errors. */
  public Path fetch(Artifact artifact) throws ArtifactException, InterruptedException {
    return fetch(artifact.getUri(), artifact);
  }

  /**
   * Like {@link #fetch(String, Artifact, String)} for no job: {@code file:} artifacts are refused.
   */
  public Path fetch(String label, Artifact artifact)
      throws ArtifactException, InterruptedException {
    return fetch(label, artifact, "");
  }

  /**
   * A local, verified, read-only copy of {@code artifact}.
   *
   * @param label how errors name the artifact, for example {@code data[0]} or {@code model}
   * @param jobNation the nation of the job that reads it, which decides the {@code file:} artifacts
   *     it may read
   * @throws ArtifactException naming {@code label} and what is wrong: digest mismatch, not found,
   *     not under a data root of the job's nation, unreadable, too large, unsupported scheme
   * @throws InterruptedException if the thread is interrupted (nothing is cached)
   */
  public Path fetch(String label, Artifact artifact, String jobNation)
      throws ArtifactException, InterruptedException {
    String sha = artifact.getSha256();
    String uri = artifact.getUri();
    if (!Sha256.isDigest(sha)) {
      throw new ArtifactException(
          label + ": sha256 must be 64 lowercase hex characters, got " + Sha256.quote(sha));
    }
    ReentrantLock lock = cache.lock(sha);
    lock.lockInterruptibly();
    try {
      if (uri.startsWith("file:")) {
        return file(label, uri, sha, jobNation);
      }
      if (uri.startsWith("https:")) {
        URI u = httpsUri(label, uri);
        return reuseOr(sha, () -> web.download(label, u, sha, cache.download(sha)));
      }
      if (uri.startsWith("entente:")) {
        checkEntenteUri(label, uri, sha);
        return reuseOr(sha, () -> entente(label, uri, sha));
      }
    } catch (ArtifactException e) {
      throw e;
    } catch (ClosedByInterruptException e) {
      Thread.interrupted();
      throw new InterruptedException(label + ": interrupted while reading " + uri);
    } catch (IOException e) {
      if (Thread.interrupted()) {
        throw new InterruptedException(label + ": interrupted while fetching " + uri);
      }
      throw new ArtifactException(label + ": " + uri + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
    int colon = uri.indexOf(':');
    throw new ArtifactException(
        label
            + ": unsupported URI "
            + Sha256.quote(uri)
            + (colon > 0 ? " (scheme '" + uri.substring(0, colon) + "')" : "")
            + "; use file:/path, https://... or entente:artifacts/<sha256>");
  }

  private interface Download {
    Path run() throws IOException, InterruptedException;
  }

  private Path reuseOr(String sha, Download download) throws IOException, InterruptedException {
    Path at = cache.reusable(sha);
    if (at != null) {
      return at;
    }
    at = download.run();
    cache.downloaded(sha);
    return at;
  }

  private Path file(String label, String uri, String sha, String jobNation) throws IOException {
    Path requested;
    try {
      URI u = new URI(uri);
      if (u.isOpaque() || u.getPath() == null || !u.getPath().startsWith("/")) {
        throw new ArtifactException(
            label
                + ": file URIs must hold an absolute path (file:/data/x), got "
                + Sha256.quote(uri));
      }
      requested = Path.of(u);
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new ArtifactException(label + ": malformed URI " + Sha256.quote(uri));
    }
    Path real = dataRoots.resolve(label, uri, requested, jobNation);
    Path target = cache.local(sha);
    try (VerifiedFile copy = VerifiedFile.cacheEntry(target);
        FileChannel in =
            FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      while (in.read(buf) >= 0) {
        buf.flip();
        copy.write(buf);
        buf.clear();
      }
      copy.commit(sha, label);
    } catch (NoSuchFileException e) {
      throw new ArtifactException(label + ": " + uri + ": no such file on this host");
    }
    return target;
  }

  private static URI httpsUri(String label, String uri) throws ArtifactException {
    try {
      return new URI(uri);
    } catch (URISyntaxException e) {
      throw new ArtifactException(label + ": malformed URI " + Sha256.quote(uri));
    }
  }

  private static void checkEntenteUri(String label, String uri, String sha)
      throws ArtifactException {
    String named = uri.substring("entente:".length());
    if (!named.startsWith("artifacts/") || !Sha256.isDigest(named.substring(10))) {
      throw new ArtifactException(
          label + ": entente URIs look like entente:artifacts/<sha256>, got " + Sha256.quote(uri));
    }
    if (!named.substring(10).equals(sha)) {
      throw new ArtifactException(
          label + ": the URI names " + named.substring(10) + " but sha256 declares " + sha);
    }
  }

  private Path entente(String label, String uri, String sha)
      throws IOException, InterruptedException {
    Path target = cache.download(sha);
    try (VerifiedFile file = VerifiedFile.cacheEntry(target)) {
      store.download(sha, file, label, n -> {});
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      throw new ArtifactException(
          label
              + ": "
              + uri
              + ": "
              + (s.getCode() == Status.Code.NOT_FOUND
                  ? "no coordinator replica holds it (upload it with `entente artifact put`)"
                  : s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription())),
          e);
    }
    return target;
  }
}
