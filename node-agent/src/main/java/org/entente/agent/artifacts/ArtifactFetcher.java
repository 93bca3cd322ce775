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
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.entente.agent.shards.ArtifactException;
import org.entente.proto.v1.Artifact;

/**
 * Provides shards with verified local copies of their artifacts:
 *
 * <ul>
 *   <li>{@code file:/path} — a file on this host, hashed where it is and returned only if it
 *       matches (it is not copied: a file that changes after the check is the host's business);
 *   <li>{@code https://...} — downloaded with the configured TLS trust, at most {@code maxBytes};
 *   <li>{@code entente:artifacts/<sha256>} — downloaded from the coordinators' store over the
 *       agent's mTLS channel.
 * </ul>
 *
 * Downloads land in a content-addressed cache ({@code <cache>/sha256/<2 hex>/<64 hex>}): written
 * beside their place while hashed, moved there only once they match, so a second fetch of the same
 * digest costs nothing and nothing unverified is ever in the cache. Every failure is an {@link
 * ArtifactException} that names the artifact and what is wrong. Fetching is interruptible. One
 * fetcher per cache directory; thread-safe.
 */
public final class ArtifactFetcher {
  /** Default largest download: 2 GiB. */
  public static final long DEFAULT_MAX_BYTES = 2L << 30;

  private final Path cache;
  private final ArtifactClient store;
  private final HttpsDownloader web;

  /**
   * @param cacheDir the cache directory (created if needed; unfinished downloads in it removed)
   * @param coordinator the agent's mTLS channel to its replica, for {@code entente:} artifacts
   * @param https trust for {@code https:} downloads (for example {@code SSLContext.getDefault()})
   * @param maxBytes the largest {@code https:} download accepted
   */
  public ArtifactFetcher(
      Path cacheDir, Supplier<Channel> coordinator, SSLContext https, long maxBytes)
      throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("download limit must be positive, got " + maxBytes);
    }
    this.cache = cacheDir.toAbsolutePath().normalize();
    this.store = new ArtifactClient(coordinator);
    this.web = new HttpsDownloader(https, maxBytes);
    Files.createDirectories(cache.resolve("sha256"));
    removeUnfinished();
  }

  private void removeUnfinished() throws IOException {
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(cache.resolve("sha256"))) {
      for (Path shard : shards) {
        if (Files.isDirectory(shard)) {
          try (DirectoryStream<Path> parts =
              Files.newDirectoryStream(shard, "*" + VerifiedFile.PART)) {
            for (Path p : parts) {
              Files.deleteIfExists(p);
            }
          }
        }
      }
    }
  }

  /** Where the cache keeps content with digest {@code sha256}. */
  public Path cached(String sha256) {
    if (!Sha256.isDigest(sha256)) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: " + Sha256.quote(sha256));
    }
    return cache.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /** Like {@link #fetch(String, Artifact)}, naming the artifact by its URI in errors. */
  public Path fetch(Artifact artifact) throws ArtifactException, InterruptedException {
    return fetch(artifact.getUri(), artifact);
  }

  /**
   * A local, verified copy of {@code artifact}.
   *
   * @param label how errors name the artifact, for example {@code data[0]} or {@code model}
   * @throws ArtifactException naming {@code label} and what is wrong: digest mismatch, not found,
   *     unreadable, too large, unsupported scheme
   * @throws InterruptedException if the thread is interrupted (nothing is cached)
   */
  public Path fetch(String label, Artifact artifact)
      throws ArtifactException, InterruptedException {
    String sha = artifact.getSha256();
    String uri = artifact.getUri();
    if (!Sha256.isDigest(sha)) {
      throw new ArtifactException(
          label + ": sha256 must be 64 lowercase hex characters, got " + Sha256.quote(sha));
    }
    try {
      if (uri.startsWith("file:")) {
        return file(label, uri, sha);
      }
      if (uri.startsWith("https:")) {
        return cachedOr(sha, () -> https(label, uri, sha));
      }
      if (uri.startsWith("entente:")) {
        return cachedOr(sha, () -> entente(label, uri, sha));
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

  private Path cachedOr(String sha, Download download) throws IOException, InterruptedException {
    Path at = cached(sha);
    return Files.isRegularFile(at) ? at : download.run();
  }

  private Path file(String label, String uri, String sha) throws IOException {
    Path path;
    try {
      URI u = new URI(uri);
      if (u.isOpaque() || u.getPath() == null || !u.getPath().startsWith("/")) {
        throw new ArtifactException(
            label
                + ": file URIs must hold an absolute path (file:/data/x), got "
                + Sha256.quote(uri));
      }
      path = Path.of(u);
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new ArtifactException(label + ": malformed URI " + Sha256.quote(uri));
    }
    MessageDigest d = Sha256.newDigest();
    try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      while (in.read(buf) >= 0) {
        buf.flip();
        d.update(buf);
        buf.clear();
      }
    } catch (NoSuchFileException e) {
      throw new ArtifactException(label + ": " + uri + ": no such file on this host");
    }
    String actual = Sha256.hex(d);
    if (!actual.equals(sha)) {
      throw new ArtifactException(
          label + ": digest mismatch: declared " + sha + ", content hashes to " + actual);
    }
    return path;
  }

  private Path https(String label, String uri, String sha)
      throws IOException, InterruptedException {
    URI u;
    try {
      u = new URI(uri);
    } catch (URISyntaxException e) {
      throw new ArtifactException(label + ": malformed URI " + Sha256.quote(uri));
    }
    return web.download(label, u, sha, cached(sha));
  }

  private Path entente(String label, String uri, String sha)
      throws IOException, InterruptedException {
    String named = uri.substring("entente:".length());
    if (!named.startsWith("artifacts/") || !Sha256.isDigest(named.substring(10))) {
      throw new ArtifactException(
          label + ": entente URIs look like entente:artifacts/<sha256>, got " + Sha256.quote(uri));
    }
    if (!named.substring(10).equals(sha)) {
      throw new ArtifactException(
          label + ": the URI names " + named.substring(10) + " but sha256 declares " + sha);
    }
    Path target = cached(sha);
    try {
      store.download(sha, target, label, n -> {});
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
