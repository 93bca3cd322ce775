package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;

/**
 * Collects leader writes and commits them in fenced transactions of bounded size, so many small
 * state changes cost few ZooKeeper round trips. Actions registered with an operation run only once
 * its transaction has committed. Not thread-safe; owned by the leader's loop.
 */
final class WriteBatch {
  static final int MAX_OPS = 400;
  static final int MAX_BYTES = 512 * 1024;

  private final EpochStore epochs;
  private final Fence fence;
  private final List<CuratorOp> ops = new ArrayList<>();
  private final List<Runnable> onCommit = new ArrayList<>();
  private int bytes;
  private int committedOps;

  WriteBatch(EpochStore epochs, Fence fence) {
    this.epochs = epochs;
    this.fence = fence;
  }

  /** Adds related operations that must land in the same transaction. */
  void add(List<CuratorOp> group, int groupBytes, Runnable committed) throws Exception {
    if (!ops.isEmpty() && (ops.size() + group.size() > MAX_OPS || bytes + groupBytes > MAX_BYTES)) {
      flush();
    }
    ops.addAll(group);
    bytes += groupBytes;
    if (committed != null) {
      onCommit.add(committed);
    }
  }

  /**
   * Commits what is collected; on failure nothing of it was written (or the outcome is unknown).
   */
  void flush() throws Exception {
    if (ops.isEmpty()) {
      // Nothing to write (stale reports, say): their callers may hear back at once.
      List<Runnable> after = new ArrayList<>(onCommit);
      onCommit.clear();
      after.forEach(Runnable::run);
      return;
    }
    List<CuratorOp> now = new ArrayList<>(ops);
    List<Runnable> after = new ArrayList<>(onCommit);
    ops.clear();
    onCommit.clear();
    bytes = 0;
    epochs.commit(fence, now);
    committedOps += now.size();
    after.forEach(Runnable::run);
  }

  int committedOps() {
    return committedOps;
  }
}
