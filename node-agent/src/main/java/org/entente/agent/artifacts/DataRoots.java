package org.entente.agent.artifacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.entente.agent.shards.ArtifactException;

/**
 * Decides which host file a {@code file:} artifact of a job may read. The deepest root that holds
 * the file governs it. The named path is checked first as written ({@code ..} folded), before the
 * file system is touched, so a job learns nothing about files it may not read, not even whether
 * they exist; then again after symbolic links are resolved ({@link Path#toRealPath}), so a link
 * under a root cannot lead out of it or into a root of other nations. Thread-safe.
 */
final class DataRoots {
  private final List<DataRoot> roots;

  DataRoots(List<DataRoot> roots) {
    this.roots = List.copyOf(roots);
  }

  /**
   * The real path of {@code requested} if jobs of {@code nation} may read it.
   *
   * @param label names the artifact in errors
   * @param uri the artifact's URI, for errors
   * @param requested the absolute path the URI names
   * @param nation the nation of the job that reads it
   * @throws ArtifactException if no root holds it, its root does not allow {@code nation}, or there
   *     is no such regular file
   */
  Path resolve(String label, String uri, Path requested, String nation) throws IOException {
    if (roots.isEmpty()) {
      throw new ArtifactException(
          label
              + ": "
              + uri
              + ": this agent reads no files of its host; list the directories that file:"
              + " artifacts may name under dataRoots in agent.yaml");
    }
    if (nation.isEmpty()) {
      throw new ArtifactException(
          label
              + ": "
              + uri
              + ": the assignment names no nation, so no file of this host may be read (is the"
              + " coordinator older than this agent?)");
    }
    Path asWritten = requested.normalize();
    allow(label, uri, nation, deepest(asWritten, DataRoot::path, DataRoots::realOrSelf));
    Path real;
    try {
      real = asWritten.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ArtifactException(label + ": " + uri + ": no such file on this host");
    }
    allow(label, uri, nation, deepest(real, DataRoots::realOrNull, r -> null));
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw new ArtifactException(label + ": " + uri + ": not a regular file");
    }
    return real;
  }

  private void allow(String label, String uri, String nation, DataRoot root)
      throws ArtifactException {
    if (root == null) {
      throw new ArtifactException(label + ": " + uri + " is outside this agent's dataRoots");
    }
    if (!root.allows(nation)) {
      throw new ArtifactException(
          label
              + ": jobs of "
              + nation
              + " may not read "
              + root.path()
              + " (dataRoots allow "
              + root.nationList()
              + ")");
    }
  }

  /** The root with the longest path (as {@code first} or {@code second} give it) holding file. */
  private DataRoot deepest(
      Path file, Function<DataRoot, Path> first, Function<DataRoot, Path> second) {
    DataRoot best = null;
    int depth = -1;
    for (DataRoot r : roots) {
      for (Path p : new Path[] {first.apply(r), second.apply(r)}) {
        if (p != null && file.startsWith(p) && p.getNameCount() > depth) {
          best = r;
          depth = p.getNameCount();
        }
      }
    }
    return best;
  }

  private static Path realOrNull(DataRoot r) {
    try {
      return r.path().toRealPath();
    } catch (IOException e) {
      return null;
    }
  }

  private static Path realOrSelf(DataRoot r) {
    Path real = realOrNull(r);
    return real == null ? r.path() : real;
  }
}
