package org.entente.coordinator.zk;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.entente.security.KeyMaterial;
import org.entente.security.Pem;
import org.entente.security.TrustBundle;

/**
 * A coordinator's ZooKeeper connection over TLS with its own certificate, and the ACL its znodes
 * carry. ZooKeeper reads key and trust material from PEM files, so they are written once, the key
 * with mode 0600, into a directory of the replica's own. Stateless.
 */
public final class ZooKeeperTls {
  private ZooKeeperTls() {}

  /** Writes {@code keys} (PKCS#8 key, then certificate) as a PEM key store; mode 0600. */
  public static Path writeKeyStore(Path file, KeyMaterial keys) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(new JcaPKCS8Generator(keys.privateKey(), null));
      w.writeObject(keys.certificate());
    }
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, out.toString(), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
    return file;
  }

  /** Writes the member roots as a PEM trust store. */
  public static Path writeTrustStore(Path file, TrustBundle bundle) throws IOException {
    StringBuilder pem = new StringBuilder();
    for (String nation : bundle.nations()) {
      pem.append(Pem.encode(bundle.root(nation)));
    }
    Files.writeString(file, pem.toString(), StandardCharsets.US_ASCII);
    return file;
  }

  /**
   * A client configuration for TLS 1.3 with {@code keys}, trusting {@code bundle}'s roots; the PEM
   * files go to {@code dir}. ZooKeeper servers are named by certificate, not host name, as every
   * other Entente peer.
   */
  public static ZKClientConfig clientConfig(KeyMaterial keys, TrustBundle bundle, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    Path keyStore = writeKeyStore(dir.resolve("zookeeper-client.pem"), keys);
    Path trustStore = writeTrustStore(dir.resolve("zookeeper-trust.pem"), bundle);
    ZKClientConfig c = new ZKClientConfig();
    c.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
    c.setProperty(
        ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
    c.setProperty("zookeeper.ssl.keyStore.location", keyStore.toString());
    c.setProperty("zookeeper.ssl.keyStore.type", "PEM");
    c.setProperty("zookeeper.ssl.trustStore.location", trustStore.toString());
    c.setProperty("zookeeper.ssl.trustStore.type", "PEM");
    c.setProperty("zookeeper.ssl.protocol", "TLSv1.3");
    c.setProperty("zookeeper.ssl.hostnameVerification", "false");
    return c;
  }

  /** Every znode: all permissions for coordinators ({@link CoordinatorAuthProvider}), none else. */
  public static ACLProvider coordinatorsOnly() {
    // ZooKeeper asks the list whether it contains null, which List.of refuses to answer.
    List<ACL> acl =
        java.util.Collections.unmodifiableList(
            new java.util.ArrayList<>(
                List.of(
                    new ACL(
                        ZooDefs.Perms.ALL, new Id("x509", CoordinatorAuthProvider.COORDINATORS)))));
    return new ACLProvider() {
      @Override
      public List<ACL> getDefaultAcl() {
        return acl;
      }

      @Override
      public List<ACL> getAclForPath(String path) {
        return acl;
      }
    };
  }
}
