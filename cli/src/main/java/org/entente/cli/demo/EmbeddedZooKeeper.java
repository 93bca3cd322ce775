package org.entente.cli.demo;

import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/**
 * A standalone ZooKeeper server inside this JVM, using ZooKeeper's own embedded API (not a test
 * class). For the demo only: one server is no quorum.
 */
public final class EmbeddedZooKeeper implements Closeable {
  private final ZooKeeperServerEmbedded server;
  private final int port;

  private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, int port) {
    this.server = server;
    this.port = port;
  }

  /** Starts a server with its data under {@code dir} on a free loopback port. */
  public static EmbeddedZooKeeper start(Path dir) throws Exception {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Properties p = new Properties();
    p.setProperty("clientPort", Integer.toString(port));
    p.setProperty("clientPortAddress", "127.0.0.1");
    p.setProperty("tickTime", "500");
    p.setProperty("initLimit", "10");
    p.setProperty("syncLimit", "5");
    p.setProperty("maxSessionTimeout", "60000");
    p.setProperty("admin.enableServer", "false");
    p.setProperty("maxClientCnxns", "0");
    ZooKeeperServerEmbedded zk =
        ZooKeeperServerEmbedded.builder()
            .baseDir(dir)
            .configuration(p)
            .exitHandler(ExitHandler.LOG_ONLY)
            .build();
    zk.start(30_000);
    return new EmbeddedZooKeeper(zk, port);
  }

  public String connectString() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
