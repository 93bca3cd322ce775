package org.entente.coordinator.artifacts;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Optional;
import org.entente.security.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A content-addressed directory of artifacts: the content whose SHA-256 is {@code h} lives at
 * {@code <dir>/sha256/<first 2 hex of h>/<h>}. An upload is written to a temporary file under
 * {@code <dir>/tmp} (same file system) while it is hashed, checked against its declared size and
 * digest, synced, and only then moved into place atomically; a refused or abandoned upload leaves
 * nothing behind. So a file at a content path was complete and matched when it was moved there;
 * {@link #openVerified} hashes it again before it is served, because disks rot and people edit
 * files. Opening takes an exclusive lock on the directory (one coordinator per store) and removes
 * temporary files a crash left behind.
 *
 * <p>Thread-safe: concurrent uploads of the same content each write their own temporary file and
 * the last rename wins with identical bytes. An {@link Upload} is used by one call at a time.
 */
public final class ArtifactStore implements Closeable {
  /** Default largest artifact: 2 GiB. */
  public static final long DEFAULT_MAX_BYTES = 2L << 30;

  private static final Logger log = LoggerFactory.getLogger(ArtifactStore.class);
  private static final int BUFFER_BYTES = 1 << 20;

  private final Path dir;
  private final Path objects;
  private final Path tmp;
  private final long maxBytes;
  private final FileChannel lockFile;
  private final FileLock lock;
  private boolean deleteOnClose;

  private ArtifactStore(Path dir, long maxBytes, FileChannel lockFile, FileLock lock) {
    this.dir = dir;
    this.objects = dir.resolve("sha256");
    this.tmp = dir.resolve("tmp");
    this.maxBytes = maxBytes;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /**
   * Opens (creating if needed) the store in {@code dir}.
   *
   * @param maxBytes the largest artifact accepted
   * @throws IOException if the directory cannot be made or another store holds it
   */
  public static ArtifactStore open(Path dir, long maxBytes) throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("artifact size limit must be positive, got " + maxBytes);
    }
    Path abs = dir.toAbsolutePath().normalize();
    Files.createDirectories(abs.resolve("sha256"));
    Files.createDirectories(abs.resolve("tmp"));
    FileChannel lockFile =
        FileChannel.open(abs.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw new IOException(
          "artifact directory "
              + abs
              + " is in use by another coordinator; give each replica its own directory");
    }
    ArtifactStore store = new ArtifactStore(abs, maxBytes, lockFile, lock);
    int stale = store.removeStaleUploads();
    if (stale > 0) {
      log.info("removed {} unfinished upload(s) from {}", stale, store.tmp);
    }
    return store;
  }

  /** Opens a store in a new temporary directory, deleted with everything in it on close. */
  public static ArtifactStore openTemporary(long maxBytes) throws IOException {
    Path dir = Files.createTempDirectory("entente-artifacts-");
    ArtifactStore store = open(dir, maxBytes);
    store.deleteOnClose = true;
    return store;
  }

  private int removeStaleUploads() throws IOException {
    int n = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
      for (Path f : files) {
        if (Files.deleteIfExists(f)) {
          n++;
        }
      }
    }
    return n;
  }

  /** The store's directory. */
  public Path dir() {
    return dir;
  }

  /** The largest artifact this store accepts, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Where the content with digest {@code sha256} lives (whether or not it is there). */
  public Path path(String sha256) {
    if (!Sha256.isDigest(sha256)) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: " + Sha256.quote(sha256));
    }
    return objects.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /** The size of the stored content, without checking its digest; empty when absent. */
  public Optional<Long> size(String sha256) throws IOException {
    try {
      return Optional.of(Files.size(path(sha256)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Opens the stored content without hashing it first, for senders that hash as they send (see
   * {@link ChunkPump}) to a receiver that checks the digest itself.
   *
   * @return the content positioned at its start, or empty when absent
   */
  public Optional<Read> open(String sha256) throws IOException {
    FileChannel in;
    try {
      in = FileChannel.open(path(sha256), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Read(sha256, in.size(), in));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * Opens the stored content after hashing it. A copy that no longer matches its digest is removed
   * (and logged) and reported as absent, so the caller can fetch a good one.
   *
   * @return the content positioned at its start, or empty when absent or damaged
   */
  public Optional<Read> openVerified(String sha256) throws IOException {
    Path p = path(sha256);
    FileChannel in;
    try {
      in = FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      MessageDigest digest = Sha256.newDigest();
      ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
      long size = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        buf.flip();
        digest.update(buf);
        buf.clear();
        size += n;
      }
      String actual = Sha256.hex(digest);
      if (!actual.equals(sha256)) {
        in.close();
        discardDamaged(sha256, actual);
        return Optional.empty();
      }
      in.position(0);
      return Optional.of(new Read(sha256, size, in));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * Removes a stored copy found not to hash to {@code sha256} (while verifying or serving it).
   *
   * @param actual what the damaged content hashed to, for the log
   */
  public void discardDamaged(String sha256, String actual) throws IOException {
    log.warn(
        "stored copy of {} is damaged (its content hashes to {}); removed it, it will be"
            + " fetched again from another replica",
        sha256,
        actual);
    Files.deleteIfExists(path(sha256));
  }

  /**
   * Starts an upload.
   *
   * @param declaredSha256 the digest the content must have ("" to accept any)
   * @param sizeBytes the exact size the content must have
   * @throws ArtifactRejectedException if the declaration itself is unacceptable
   */
  public Upload begin(String declaredSha256, long sizeBytes) throws IOException {
    if (!declaredSha256.isEmpty() && !Sha256.isDigest(declaredSha256)) {
      throw new ArtifactRejectedException(
          "sha256",
          "must be 64 lowercase hex characters (or empty), got " + Sha256.quote(declaredSha256));
    }
    if (sizeBytes < 0) {
      throw new ArtifactRejectedException("size_bytes", "must not be negative, got " + sizeBytes);
    }
    if (sizeBytes > maxBytes) {
      throw new ArtifactRejectedException(
          "size_bytes",
          sizeBytes
              + " bytes is more than this federation's artifact limit of "
              + maxBytes
              + " bytes; nothing was stored");
    }
    Path temp = Files.createTempFile(tmp, "upload-", ".part");
    try {
      return new Upload(declaredSha256, sizeBytes, temp);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /**
   * Releases the directory lock (and deletes a temporary store). Uploads still open are abandoned
   * by their own close.
   */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      lockFile.close();
    }
    if (deleteOnClose) {
      try (var all = Files.walk(dir)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void syncDirectory(Path d) {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot sync a directory; the rename itself is still atomic.
      log.debug("could not sync directory {}: {}", d, e.toString());
    }
  }

  /** What a finished upload stored. */
  public record Stored(String sha256, long sizeBytes, boolean existed) {}

  /** Stored content opened for reading, with its verified size. Close it when done. */
  public record Read(String sha256, long sizeBytes, FileChannel channel) implements Closeable {
    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * One upload in progress: bytes are hashed and written to a temporary file as they arrive, more
   * bytes than declared are refused at once, and {@link #commit} stores the content only if its
   * size and digest are as declared. Closing an upload that was not committed deletes what it
   * wrote. Not thread-safe; calls are serialized by its one caller.
   */
  public final class Upload implements Closeable {
    private final String declared;
    private final long size;
    private final Path temp;
    private final FileChannel out;
    private final MessageDigest digest = Sha256.newDigest();
    private long received;
    private boolean finished;

    private Upload(String declared, long size, Path temp) throws IOException {
      this.declared = declared;
      this.size = size;
      this.temp = temp;
      this.out = FileChannel.open(temp, StandardOpenOption.WRITE);
    }

    /** The size the upload declared. */
    public long sizeBytes() {
      return size;
    }

    /** Bytes received so far. */
    public long received() {
      return received;
    }

    /**
     * Appends {@code src}.
     *
     * @throws ArtifactRejectedException (and abandons the upload) if it passes the declared size
     */
    public void write(ByteBuffer src) throws IOException {
      ensureOpen();
      if (src.remaining() > size - received) {
        abandon();
        throw new ArtifactRejectedException(
            "size_bytes", "more bytes arrived than the declared " + size + "; nothing was stored");
      }
      try {
        int n = src.remaining();
        digest.update(src.duplicate());
        while (src.hasRemaining()) {
          out.write(src);
        }
        received += n;
      } catch (IOException | RuntimeException e) {
        abandon();
        throw e;
      }
    }

    /**
     * Checks size and digest and moves the content into place; replaces an existing copy (which may
     * be damaged) with this verified one.
     *
     * @throws ArtifactRejectedException if the content is not what was declared; nothing stored
     */
    public Stored commit() throws IOException {
      ensureOpen();
      try {
        if (received != size) {
          throw new ArtifactRejectedException(
              "size_bytes",
              "declared " + size + " bytes, received " + received + "; nothing was stored");
        }
        String actual = Sha256.hex(digest);
        if (!declared.isEmpty() && !declared.equals(actual)) {
          throw new ArtifactRejectedException(
              "sha256",
              "digest mismatch: declared "
                  + declared
                  + ", content hashes to "
                  + actual
                  + "; nothing was stored");
        }
        out.force(true);
        out.close();
        Path target = path(actual);
        Files.createDirectories(target.getParent());
        boolean existed = Files.isRegularFile(target);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        finished = true;
        syncDirectory(target.getParent());
        return new Stored(actual, size, existed);
      } finally {
        if (!finished) {
          abandon();
        }
      }
    }

    /** Abandons the upload unless it was committed. */
    @Override
    public void close() {
      if (!finished) {
        abandon();
      }
    }

    private void ensureOpen() {
      if (finished) {
        throw new IllegalStateException("upload already finished");
      }
    }

    private void abandon() {
      finished = true;
      try {
        out.close();
      } catch (IOException e) {
        log.debug("closing {} failed: {}", temp, e.toString());
      }
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        log.warn("could not delete unfinished upload {}: {}", temp, e.toString());
      }
    }
  }
}
