package org.entente.coordinator.zk;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Claims and releases ephemeral znodes owned by this process's ZooKeeper session. A claim takes a
 * stale node over atomically (delete at its version + create, in one transaction), so a process
 * that restarts before its old session expires does not wait for it. The new node's version is made
 * one above the version taken over (ZooKeeper restarts versions at 0 on create), so a write the old
 * owner conditions on any version it saw fails: checking ownership and writing are one conditional
 * operation, never a read and then a write another owner can slip between. Thread-safe.
 */
public final class EphemeralOwner {
  private final CuratorFramework zk;

  public EphemeralOwner(CuratorFramework zk) {
    this.zk = zk;
  }

  /** This client's current session id. */
  public long session() throws Exception {
    return zk.getZookeeperClient().getZooKeeper().getSessionId();
  }

  /** Creates or takes over {@code path} with {@code data}; returns the resulting version. */
  public int claim(String path, byte[] data) throws Exception {
    for (int attempt = 0; attempt < 5; attempt++) {
      Stat stat = zk.checkExists().forPath(path);
      try {
        if (stat == null) {
          zk.create()
              .creatingParentContainersIfNeeded()
              .withMode(CreateMode.EPHEMERAL)
              .forPath(path, data);
          return 0;
        }
        if (stat.getEphemeralOwner() == session()) {
          return zk.setData().withVersion(stat.getVersion()).forPath(path, data).getVersion();
        }
        java.util.List<org.apache.curator.framework.api.transaction.CuratorOp> ops =
            new java.util.ArrayList<>();
        ops.add(zk.transactionOp().delete().withVersion(stat.getVersion()).forPath(path));
        ops.add(zk.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(path, data));
        for (int v = 0; v <= stat.getVersion(); v++) {
          ops.add(zk.transactionOp().setData().withVersion(v).forPath(path, data));
        }
        zk.transaction().forOperations(ops);
        return stat.getVersion() + 1;
      } catch (KeeperException.NodeExistsException
          | KeeperException.BadVersionException
          | KeeperException.NoNodeException raced) {
        // Someone changed it between our read and write; look again.
      }
    }
    throw new IllegalStateException("could not claim " + path + " after 5 attempts (contention)");
  }

  /**
   * Claims {@code path} now, and again after every reconnection (a new session lost the old
   * session's ephemeral nodes).
   */
  public void claimAndKeep(String path, byte[] data) throws Exception {
    claim(path, data);
    zk.getConnectionStateListenable()
        .addListener(
            (c, state) -> {
              if (state == org.apache.curator.framework.state.ConnectionState.RECONNECTED) {
                try {
                  claim(path, data);
                } catch (Exception e) {
                  org.slf4j.LoggerFactory.getLogger(EphemeralOwner.class)
                      .warn("could not claim {} again: {}", path, e.toString());
                }
              }
            });
  }

  /** Updates {@code path} only if this session still owns it; returns whether it did. */
  public boolean updateIfOwned(String path, byte[] data) throws Exception {
    Stat stat = zk.checkExists().forPath(path);
    if (stat == null || stat.getEphemeralOwner() != session()) {
      return false;
    }
    try {
      zk.setData().withVersion(stat.getVersion()).forPath(path, data);
      return true;
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      return false;
    }
  }

  /** Deletes {@code path} only if this session still owns it. */
  public void releaseIfOwned(String path) throws Exception {
    releaseIfOwned(path, zk.checkExists().forPath(path));
  }

  /** As {@link #releaseIfOwned(String)}, with the node as this session last saw it. */
  void releaseIfOwned(String path, Stat stat) throws Exception {
    if (stat != null && stat.getEphemeralOwner() == session()) {
      try {
        zk.delete().withVersion(stat.getVersion()).forPath(path);
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        // taken over or gone meanwhile: not ours to delete any more
      }
    }
  }

  /** The session owning {@code path}, or 0 if it does not exist. */
  public long ownerOf(String path) throws Exception {
    Stat stat = zk.checkExists().forPath(path);
    return stat == null ? 0 : stat.getEphemeralOwner();
  }
}
