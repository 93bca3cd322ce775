package org.entente.agent.artifacts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.entente.security.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's content-addressed artifact cache: downloads under {@code sha256/<2 hex>/<64 hex>},
 * copies of host files under {@code local/<2 hex>/<64 hex>}. The two are kept apart because a
 * digest is not a permission: a download may be reused by any job that declares its digest, a copy
 * of a host file only by the fetch that just made it from a file the job may read.
 *
 * <p>Entries are sealed (owner read only) when they are committed. Before a download is reused its
 * entry is checked: still a read-only regular file with the size, modification time and file key it
 * was sealed with. An entry this process did not seal (one from before a restart) is hashed again
 * once. An entry that fails is removed, to be fetched again. Thread-safe.
 */
final class ArtifactCache {
  /** The permissions of a sealed entry. */
  static final Set<PosixFilePermission> SEALED = Set.of(PosixFilePermission.OWNER_READ);

  private static final Logger log = LoggerFactory.getLogger(ArtifactCache.class);

  private final Path root;
  private final Map<String, Stamp> sealed = new ConcurrentHashMap<>();
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  /** What an entry looked like when this process sealed or last verified it. */
  private record Stamp(long size, FileTime modified, Object fileKey) {
    static Stamp of(PosixFileAttributes a) {
      return new Stamp(a.size(), a.lastModifiedTime(), a.fileKey());
    }
  }

  /** Opens the cache at {@code root}, creating it and removing unfinished entries. */
  ArtifactCache(Path root) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    for (String area : new String[] {"sha256", "local"}) {
      Files.createDirectories(this.root.resolve(area));
      removeUnfinished(this.root.resolve(area));
    }
  }

  private static void removeUnfinished(Path area) throws IOException {
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(area)) {
      for (Path shard : shards) {
        if (Files.isDirectory(shard, LinkOption.NOFOLLOW_LINKS)) {
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

  /** Where a download of {@code sha256} is kept. */
  Path download(String sha256) {
    return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /** Where a copy of a host file with digest {@code sha256} is kept. */
  Path local(String sha256) {
    return root.resolve("local").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /**
   * The lock for {@code sha256}: fetches of the same content take turns, so one never replaces an
   * entry another has just checked.
   */
  ReentrantLock lock(String sha256) {
    return locks.computeIfAbsent(sha256, s -> new ReentrantLock());
  }

  /**
   * The download of {@code sha256} if it is there and intact; {@code null} if it must be fetched (a
   * damaged entry is removed first). Call while holding {@link #lock}.
   */
  Path reusable(String sha256) throws IOException {
    Path at = download(sha256);
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(at, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      sealed.remove(sha256);
      return null;
    }
    Stamp known = sealed.get(sha256);
    String problem;
    if (!a.isRegularFile()) {
      problem = "is not a regular file";
    } else if (!a.permissions().equals(SEALED)) {
      problem = "is no longer read-only";
    } else if (known != null) {
      problem = known.equals(Stamp.of(a)) ? null : "changed since it was verified";
    } else {
      problem = sha256.equals(hash(at)) ? null : "no longer matches its digest";
    }
    if (problem == null) {
      sealed.put(sha256, Stamp.of(a));
      return at;
    }
    log.warn("cache entry {} {}; removing it and fetching it again", at, problem);
    sealed.remove(sha256);
    Files.deleteIfExists(at);
    return null;
  }

  /** Records the download just committed, so that reusing it needs no hashing. */
  void downloaded(String sha256) throws IOException {
    sealed.put(
        sha256,
        Stamp.of(
            Files.readAttributes(
                download(sha256), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)));
  }

  private static String hash(Path file) throws IOException {
    MessageDigest d = Sha256.newDigest();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      while (in.read(buf) >= 0) {
        buf.flip();
        d.update(buf);
        buf.clear();
      }
    }
    return Sha256.hex(d);
  }
}
