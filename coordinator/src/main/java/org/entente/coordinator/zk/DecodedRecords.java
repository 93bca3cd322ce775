package org.entente.coordinator.zk;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.recipes.cache.ChildData;

/**
 * The decoded values of a Curator cache's znodes, each decoded once per version of its znode: a
 * view read on every submission and every scheduling pass would otherwise decode every record of
 * the pool each time (with 512 nodes, about 1,000 JSON records per submission). Keyed by path and
 * checked against the znode's modification zxid, so a rewritten znode is decoded again. Values must
 * be immutable. Thread-safe.
 */
public final class DecodedRecords<T> {
  private record Decoded<T>(long mzxid, T value) {}

  private final Class<T> type;
  private final ConcurrentHashMap<String, Decoded<T>> byPath = new ConcurrentHashMap<>();

  public DecodedRecords(Class<T> type) {
    this.type = type;
  }

  /**
   * The value of {@code d}, decoded now only if this version of its znode was not decoded before.
   *
   * @throws java.io.UncheckedIOException when the data is not a record of this type
   */
  public T of(ChildData d) {
    long mzxid = d.getStat() == null ? -1 : d.getStat().getMzxid();
    Decoded<T> known = byPath.get(d.getPath());
    if (known != null && mzxid >= 0 && known.mzxid() == mzxid) {
      return known.value();
    }
    T value = Json.read(d.getData(), type);
    if (mzxid >= 0) {
      byPath.put(d.getPath(), new Decoded<>(mzxid, value));
    }
    return value;
  }

  /**
   * Forgets znodes no longer in the cache once the memo has grown well past the {@code live} znodes
   * the cache holds now ({@code paths} is asked only then).
   */
  public void forgetDeleted(int live, java.util.function.Supplier<Set<String>> paths) {
    if (byPath.size() > 2 * live + 64) {
      byPath.keySet().retainAll(paths.get());
    }
  }

  /** How many decoded values are kept (for tests). */
  public int size() {
    return byPath.size();
  }
}
