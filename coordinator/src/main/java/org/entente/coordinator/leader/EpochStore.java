package org.entente.coordinator.leader;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.zk.ZkPaths;

/**
 * The fencing epoch in ZooKeeper ({@code /coordinators/epoch}) and the fenced transactions checked
 * against it. Thread-safe (ZooKeeper serializes the writes).
 */
public final class EpochStore {
  private final CuratorFramework zk;

  public EpochStore(CuratorFramework zk) {
    this.zk = zk;
  }

  /** Reads the current epoch (0 before any leader). */
  public long current() throws Exception {
    try {
      return Long.parseLong(
          new String(zk.getData().forPath(ZkPaths.EPOCH), StandardCharsets.US_ASCII));
    } catch (KeeperException.NoNodeException e) {
      return 0;
    }
  }

  /**
   * Installs the next epoch and returns the fence for it. Called only by a replica that has just
   * won the election and synced; the write also checks that {@code latchPath} (this replica's latch
   * node) still exists, so a replica whose session ended meanwhile cannot install an epoch over its
   * successor's.
   *
   * @throws FencedException if the latch node is gone
   */
  public Fence advance(String latchPath) throws Exception {
    while (true) {
      Stat stat = new Stat();
      long epoch;
      try {
        epoch =
            Long.parseLong(
                new String(
                    zk.getData().storingStatIn(stat).forPath(ZkPaths.EPOCH),
                    StandardCharsets.US_ASCII));
      } catch (KeeperException.NoNodeException e) {
        try {
          zk.create().creatingParentsIfNeeded().forPath(ZkPaths.EPOCH, bytes(0));
        } catch (KeeperException.NodeExistsException raced) {
          // another replica created it first; read it again
        }
        continue;
      }
      try {
        List<CuratorTransactionResult> done =
            zk.transaction()
                .forOperations(
                    zk.transactionOp().check().forPath(latchPath),
                    zk.transactionOp()
                        .setData()
                        .withVersion(stat.getVersion())
                        .forPath(ZkPaths.EPOCH, bytes(epoch + 1)));
        return new Fence(epoch + 1, done.get(1).getResultStat().getVersion());
      } catch (KeeperException e) {
        List<OpResult> results = e.getResults();
        boolean latchGone =
            results != null
                && !results.isEmpty()
                && results.get(0) instanceof OpResult.ErrorResult first
                && first.getErr() != KeeperException.Code.OK.intValue();
        if (latchGone) {
          throw new FencedException(
              "no longer in the election (latch node " + latchPath + " is gone)");
        }
        if (!(e instanceof KeeperException.BadVersionException)) {
          throw e;
        }
        // someone else advanced it between our read and write; read again
      }
    }
  }

  /**
   * Commits {@code ops} atomically, together with a check that {@code fence} is still current.
   *
   * @throws FencedException if a newer leader has advanced the epoch
   */
  public List<CuratorTransactionResult> commit(Fence fence, List<CuratorOp> ops) throws Exception {
    CuratorOp check =
        zk.transactionOp().check().withVersion(fence.epochZnodeVersion()).forPath(ZkPaths.EPOCH);
    List<CuratorOp> all = new java.util.ArrayList<>(ops.size() + 1);
    all.add(check);
    all.addAll(ops);
    try {
      return zk.transaction().forOperations(all);
    } catch (KeeperException e) {
      // A multi fails as a whole; the per-op results say which op refused. Only the epoch check
      // failing means another leader exists.
      List<OpResult> results = e.getResults();
      if (results != null
          && !results.isEmpty()
          && results.get(0) instanceof OpResult.ErrorResult first
          && first.getErr() != KeeperException.Code.OK.intValue()) {
        throw new FencedException(
            "write refused: epoch "
                + fence.epoch()
                + " is no longer current (a newer leader exists)");
      }
      throw e;
    }
  }

  private static byte[] bytes(long epoch) {
    return Long.toString(epoch).getBytes(StandardCharsets.US_ASCII);
  }
}
