package org.entente.coordinator.zk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.entente.coordinator.CoordinatorSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's Curator client: its chroot, session and retries, and with {@code zookeeper.tls} the
 * TLS connection with the replica's own certificate (PEM files in a 0700 directory of its own,
 * removed on close) and the ACL only coordinators pass. Close once.
 */
public final class ZooKeeperConnection implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperConnection.class);

  private final CuratorFramework client;
  private final Path tlsDir;

  private ZooKeeperConnection(CuratorFramework client, Path tlsDir) {
    this.client = client;
    this.tlsDir = tlsDir;
  }

  /**
   * Connects as {@code s} says, waiting up to its connect timeout.
   *
   * @throws IllegalStateException when ZooKeeper cannot be reached in time
   */
  public static ZooKeeperConnection open(CoordinatorSettings s) throws Exception {
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder();
    Path dir = null;
    if (s.zkTls()) {
      dir =
          Files.createTempDirectory(
              "entente-zk-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      builder
          .zkClientConfig(ZooKeeperTls.clientConfig(s.keys(), s.trustBundle(), dir))
          .aclProvider(ZooKeeperTls.coordinatorsOnly());
    }
    CuratorFramework zk =
        builder
            .connectString(s.zkConnect())
            .namespace(s.zkChroot().substring(1))
            .sessionTimeoutMs((int) s.zkSessionTimeout().toMillis())
            .connectionTimeoutMs((int) Math.min(s.zkSessionTimeout().toMillis(), 5000))
            .retryPolicy(new ExponentialBackoffRetry(100, 29, 2000))
            .build();
    ZooKeeperConnection c = new ZooKeeperConnection(zk, dir);
    zk.start();
    if (!zk.blockUntilConnected((int) s.zkConnectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
      c.close();
      throw new IllegalStateException(
          "cannot reach ZooKeeper at "
              + s.zkConnect()
              + " within "
              + s.zkConnectTimeout().toSeconds()
              + " s");
    }
    return c;
  }

  public CuratorFramework client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    if (tlsDir == null) {
      return;
    }
    try (var files = Files.list(tlsDir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(tlsDir);
    } catch (IOException e) {
      log.debug("could not remove {}: {}", tlsDir, e.toString());
    }
  }
}
