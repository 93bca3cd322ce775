package org.entente.agent.artifacts;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.entente.agent.shards.ArtifactException;
import org.entente.security.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A download in progress: written to a temporary file beside its target while it is hashed, and
 * moved onto the target (atomically) only if it hashes to the expected digest. Closing it without a
 * successful {@link #commit} deletes the temporary file, so nothing unverified is ever at the
 * target or left beside it.
 *
 * <p>A cache entry ({@link #cacheEntry}) is sealed (owner read only) before it is moved into place,
 * and a mismatch names only the declared digest: its message becomes a shard's failure reason,
 * which every nation can read, and the digest of content a job could not read must not be learnt
 * from it. The actual digest goes to this host's log. Thread-safe (a download may be abandoned
 * while a chunk is written).
 */
final class VerifiedFile implements Closeable {
  /** Suffix of temporary files, so a cache can clear those a crash left behind. */
  static final String PART = ".part";

  private static final Logger log = LoggerFactory.getLogger(VerifiedFile.class);

  private final Path target;
  private final Path temp;
  private final boolean cacheEntry;
  private final FileChannel out;
  private final MessageDigest digest = Sha256.newDigest();
  private long size;
  private boolean finished;

  private VerifiedFile(Path target, Path temp, boolean cacheEntry) throws IOException {
    this.target = target;
    this.temp = temp;
    this.cacheEntry = cacheEntry;
    this.out = FileChannel.open(temp, StandardOpenOption.WRITE);
  }

  /** Starts writing what will become {@code target}, a file of the user's. */
  static VerifiedFile beside(Path target) throws IOException {
    return open(target, false);
  }

  /** Starts writing what will become the cache entry {@code target}. */
  static VerifiedFile cacheEntry(Path target) throws IOException {
    return open(target, true);
  }

  private static VerifiedFile open(Path target, boolean cacheEntry) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", PART);
    try {
      return new VerifiedFile(target, temp, cacheEntry);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  synchronized void write(ByteBuffer src) throws IOException {
    size += src.remaining();
    digest.update(src.duplicate());
    while (src.hasRemaining()) {
      out.write(src);
    }
  }

  synchronized long size() {
    return size;
  }

  /**
   * Moves the content onto the target if it hashes to {@code expected}.
   *
   * @param label names the artifact in the error
   * @throws ArtifactException if it does not (the content is deleted); the message names both
   *     digests for a user's file, only the declared one for a cache entry
   */
  synchronized void commit(String expected, String label) throws IOException {
    try {
      String actual = Sha256.hex(digest);
      if (!actual.equals(expected)) {
        if (!cacheEntry) {
          throw new ArtifactException(
              label + ": digest mismatch: declared " + expected + ", content hashes to " + actual);
        }
        log.warn("{}: digest mismatch: declared {}, content hashes to {}", label, expected, actual);
        throw new ArtifactException(
            label
                + ": digest mismatch: declared "
                + expected
                + "; the content differs (its digest is in the agent's log)");
      }
      out.force(true);
      out.close();
      if (cacheEntry) {
        Files.setPosixFilePermissions(temp, ArtifactCache.SEALED);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      finished = true;
    } finally {
      close();
    }
  }

  /** Deletes the temporary file unless the content was committed. */
  @Override
  public synchronized void close() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    try {
      out.close();
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
