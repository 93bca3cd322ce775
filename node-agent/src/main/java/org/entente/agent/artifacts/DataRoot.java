package org.entente.agent.artifacts;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.entente.security.Names;

/**
 * A directory on the agent's host whose files {@code file:} artifacts may name, and the nations
 * whose jobs may read them ({@code dataRoots} in {@code agent.yaml}). Immutable.
 *
 * @param path an absolute directory (normalized here; symbolic links are resolved when a file is
 *     fetched)
 * @param nations the nations whose jobs may read files under it; at least one
 */
public record DataRoot(Path path, Set<String> nations) {
  public DataRoot {
    Objects.requireNonNull(path, "path");
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("data root " + path + " must be an absolute path");
    }
    path = path.normalize();
    if (nations == null || nations.isEmpty()) {
      throw new IllegalArgumentException("data root " + path + " must allow at least one nation");
    }
    nations.forEach(Names::requireNation);
    nations = Set.copyOf(nations);
  }

  /** Whether jobs of {@code nation} may read files under this root. */
  public boolean allows(String nation) {
    return nations.contains(nation);
  }

  /** The nations, sorted and comma-separated, for messages. */
  public String nationList() {
    return String.join(", ", new TreeSet<>(nations));
  }
}
