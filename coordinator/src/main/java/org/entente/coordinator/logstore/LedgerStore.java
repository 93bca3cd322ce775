package org.entente.coordinator.logstore;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.EntriesChunk;

/**
 * The log in ZooKeeper: entries in blocks ({@code /ledger/blocks/<group>/<block>}, each an {@link
 * EntriesChunk} of at most {@link #MAX_BLOCK_ENTRIES} entries and {@link #MAX_BLOCK_BYTES} bytes, a
 * thousand blocks a group) and {@code /ledger/head}. Thread-safe (ZooKeeper serializes).
 */
public final class LedgerStore {
  public static final int MAX_BLOCK_ENTRIES = 256;
  public static final int MAX_BLOCK_BYTES = 96 * 1024;

  /** The head as read, with the znode version a conditional write expects. */
  public record VersionedHead(LedgerHead head, int version) {}

  /** A stored block with its znode version. */
  public record Block(long number, EntriesChunk chunk, int version, long mzxid) {}

  private final CuratorFramework zk;

  public LedgerStore(CuratorFramework zk) {
    this.zk = zk;
  }

  public CuratorFramework zk() {
    return zk;
  }

  /** Creates the ledger's directories and an empty head, if missing (idempotent). */
  public void ensureRoot() throws Exception {
    for (String p :
        new String[] {
          ZkPaths.LEDGER_BLOCKS, ZkPaths.LEDGER_COSIGNATURES, "/ledger/checkpoints",
        }) {
      try {
        zk.create().creatingParentsIfNeeded().forPath(p);
      } catch (KeeperException.NodeExistsException e) {
        // another replica made it
      }
    }
    try {
      zk.create().forPath(ZkPaths.LEDGER_CHECKPOINT, new byte[0]);
    } catch (KeeperException.NodeExistsException e) {
      // a checkpoint exists
    }
    try {
      zk.create().forPath(ZkPaths.LEDGER_HEAD, Json.write(LedgerHead.EMPTY));
    } catch (KeeperException.NodeExistsException e) {
      // the log exists
    }
  }

  public VersionedHead head() throws Exception {
    Stat stat = new Stat();
    try {
      byte[] data = zk.getData().storingStatIn(stat).forPath(ZkPaths.LEDGER_HEAD);
      return new VersionedHead(Json.read(data, LedgerHead.class), stat.getVersion());
    } catch (KeeperException.NoNodeException e) {
      return new VersionedHead(LedgerHead.EMPTY, -1);
    }
  }

  public Block block(long number) throws Exception {
    Stat stat = new Stat();
    byte[] data = zk.getData().storingStatIn(stat).forPath(ZkPaths.ledgerBlock(number));
    return new Block(number, EntriesChunk.parseFrom(data), stat.getVersion(), stat.getMzxid());
  }

  /** Every block of {@code head}, in order. */
  public List<Block> blocks(LedgerHead head, long fromBlock) throws Exception {
    List<Block> out = new ArrayList<>();
    for (long b = fromBlock; b < head.blocks(); b++) {
      out.add(block(b));
    }
    return out;
  }

  /** Every entry of the log as its head says now. */
  public List<byte[]> readAll() throws Exception {
    LedgerHead head = head().head();
    List<byte[]> out = new ArrayList<>();
    for (Block b : blocks(head, 0)) {
      for (var e : b.chunk().getEntriesList()) {
        out.add(e.toByteArray());
      }
    }
    if (out.size() != head.size()) {
      throw new IllegalStateException(
          "the ledger head says " + head.size() + " entries, its blocks hold " + out.size());
    }
    return out;
  }

  CuratorOp createBlock(long number, byte[] data) throws Exception {
    return zk.transactionOp().create().forPath(ZkPaths.ledgerBlock(number), data);
  }

  CuratorOp createGroup(long number) throws Exception {
    return zk.transactionOp().create().forPath(ZkPaths.ledgerGroup(number));
  }

  CuratorOp setBlock(long number, byte[] data, int version) throws Exception {
    return zk.transactionOp()
        .setData()
        .withVersion(version)
        .forPath(ZkPaths.ledgerBlock(number), data);
  }

  CuratorOp setHead(LedgerHead head, int version) throws Exception {
    return zk.transactionOp()
        .setData()
        .withVersion(version)
        .forPath(ZkPaths.LEDGER_HEAD, Json.write(head));
  }
}
