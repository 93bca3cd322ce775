package org.entente.coordinator.zk;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.entente.security.Pem;
import org.entente.security.TrustBundle;

/**
 * The federation's record and revocation lists in ZooKeeper. The record of member roots is written
 * for tools when the federation is founded (and kept current by the governance leader); no replica
 * trusts it, as trust comes from the verified governance chain. Thread-safe.
 */
public final class FederationStore {
  /** A revocation list as stored, with its znode version for conditional replacement. */
  public record StoredCrl(String pem, int version) {}

  private final CuratorFramework zk;
  private final Clock clock;

  public FederationStore(CuratorFramework zk, Clock clock) {
    this.zk = zk;
    this.clock = clock;
  }

  /**
   * Records the governed roots under {@code /federation} and {@code /nations} when the federation
   * has no record yet, for people and tools; no replica trusts what is recorded there.
   */
  public void record(TrustBundle governed) throws Exception {
    if (zk.checkExists().forPath(ZkPaths.FEDERATION) != null) {
      return;
    }
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(
        zk.transactionOp()
            .create()
            .forPath(
                ZkPaths.FEDERATION,
                Json.write(
                    new FederationRecord(
                        List.copyOf(governed.nations()), digest(governed), clock.millis()))));
    if (zk.checkExists().forPath(ZkPaths.NATIONS) == null) {
      ops.add(zk.transactionOp().create().forPath(ZkPaths.NATIONS));
    }
    for (String nation : governed.nations()) {
      if (zk.checkExists().forPath(ZkPaths.nation(nation)) == null) {
        ops.add(zk.transactionOp().create().forPath(ZkPaths.nation(nation)));
      }
      ops.add(
          zk.transactionOp()
              .create()
              .forPath(
                  ZkPaths.root(nation),
                  Pem.encode(governed.root(nation)).getBytes(StandardCharsets.US_ASCII)));
    }
    try {
      zk.transaction().forOperations(ops);
    } catch (KeeperException.NodeExistsException raced) {
      // another replica recorded it first
    }
  }

  /** The nation's published revocation list, if any. */
  public Optional<StoredCrl> crl(String nation) throws Exception {
    Stat stat = new Stat();
    try {
      byte[] data = zk.getData().storingStatIn(stat).forPath(ZkPaths.crl(nation));
      return Optional.of(
          new StoredCrl(new String(data, StandardCharsets.US_ASCII), stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes a revocation list, replacing {@code previous} only if it is still the stored one.
   *
   * @throws KeeperException.BadVersionException or NodeExistsException if another list was
   *     published meanwhile
   */
  public void publishCrl(String nation, String pem, Optional<StoredCrl> previous) throws Exception {
    byte[] data = pem.getBytes(StandardCharsets.US_ASCII);
    if (previous.isPresent()) {
      zk.setData().withVersion(previous.get().version()).forPath(ZkPaths.crl(nation), data);
    } else {
      zk.create().forPath(ZkPaths.crl(nation), data);
    }
  }

  /** SHA-256 over the roots' DER encodings in nation order. */
  public static String digest(TrustBundle bundle) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String nation : bundle.nations()) {
        md.update(nation.getBytes(StandardCharsets.US_ASCII));
        md.update(bundle.root(nation).getEncoded());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
