package org.entente.agent.shards;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/** The node's GPUs, lent to shard attempts while they run. Thread-safe. */
public final class DevicePool {
  private final int size;
  private final TreeSet<Integer> free;

  public DevicePool(Collection<Integer> indices) {
    this.free = new TreeSet<>(indices);
    if (free.size() != indices.size()) {
      throw new IllegalArgumentException("device indices must be distinct, got " + indices);
    }
    this.size = free.size();
  }

  /**
   * Takes {@code count} free GPUs, lowest indices first.
   *
   * @throws IllegalStateException when fewer are free, saying how many are
   */
  public synchronized List<Integer> allocate(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("cannot allocate " + count + " GPUs");
    }
    if (count > free.size()) {
      throw new IllegalStateException(
          "needs "
              + count
              + (count == 1 ? " GPU" : " GPUs")
              + " but only "
              + free.size()
              + " of the node's "
              + size
              + " are free");
    }
    List<Integer> taken = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      taken.add(free.pollFirst());
    }
    return List.copyOf(taken);
  }

  /** Gives back GPUs taken by {@link #allocate}. */
  public synchronized void release(Collection<Integer> devices) {
    free.addAll(devices);
  }

  /** The GPUs free now, sorted. */
  public synchronized List<Integer> free() {
    return List.copyOf(free);
  }
}
