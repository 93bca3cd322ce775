package org.entente.coordinator.zk;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
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
 * The trust bundle and revocation lists in ZooKeeper. The bundle is written once, at bootstrap, in
 * one transaction; afterwards it changes only through governance. Thread-safe.
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
   * Returns the federation's trust bundle, creating the federation from {@code bootstrap} if none
   * exists yet. A configured root that differs from the stored one for the same nation is refused:
   * trust is changed by governance, not by editing one replica's config.
   */
  public TrustBundle bootstrap(TrustBundle bootstrap) throws Exception {
    if (zk.checkExists().forPath(ZkPaths.FEDERATION) == null) {
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(
          zk.transactionOp()
              .create()
              .forPath(
                  ZkPaths.FEDERATION,
                  Json.write(
                      new FederationRecord(
                          List.copyOf(bootstrap.nations()), digest(bootstrap), clock.millis()))));
      if (zk.checkExists().forPath(ZkPaths.NATIONS) == null) {
        ops.add(zk.transactionOp().create().forPath(ZkPaths.NATIONS));
      }
      for (String nation : bootstrap.nations()) {
        ops.add(zk.transactionOp().create().forPath(ZkPaths.nation(nation)));
        ops.add(
            zk.transactionOp()
                .create()
                .forPath(
                    ZkPaths.root(nation),
                    Pem.encode(bootstrap.root(nation)).getBytes(StandardCharsets.US_ASCII)));
      }
      try {
        zk.transaction().forOperations(ops);
      } catch (KeeperException.NodeExistsException raced) {
        // another replica bootstrapped first; use what it wrote
      }
    }
    TrustBundle stored = load();
    for (String nation : bootstrap.nations()) {
      X509Certificate mine = bootstrap.root(nation);
      X509Certificate theirs = stored.root(nation);
      if (theirs != null && !theirs.equals(mine)) {
        throw new IllegalStateException(
            "the configured root for "
                + nation
                + " differs from the federation's root in ZooKeeper; trust changes only through"
                + " governance, so fix this replica's trust list");
      }
    }
    return stored;
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

  /** Reads every nation's root and checks them against the federation record's digest. */
  public TrustBundle load() throws Exception {
    List<X509Certificate> roots = new ArrayList<>();
    for (String nation : zk.getChildren().forPath(ZkPaths.NATIONS)) {
      byte[] pem = zk.getData().forPath(ZkPaths.root(nation));
      roots.addAll(
          Pem.readCertificates(new String(pem, StandardCharsets.US_ASCII), ZkPaths.root(nation)));
    }
    TrustBundle bundle = TrustBundle.of(roots);
    FederationRecord record =
        Json.read(zk.getData().forPath(ZkPaths.FEDERATION), FederationRecord.class);
    if (!record.trustBundleSha256().equals(digest(bundle))) {
      throw new IllegalStateException(
          "the roots under /nations do not match the federation's trust bundle digest; refusing to"
              + " trust a bundle that was edited outside governance");
    }
    return bundle;
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
