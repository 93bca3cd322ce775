package org.entente.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Pem;

/** Writes real PKI material from a {@link LocalPki} into files, as an operator would hold it. */
public final class PkiFiles {
  private PkiFiles() {}

  /** Issues {@code identity} and writes {@code dir/cert.pem} and {@code dir/key.pem} (0600). */
  public static KeyMaterial writeIdentity(
      LocalPki pki, Identity identity, Path dir, String... hosts) throws IOException {
    KeyMaterial keys = pki.issue(identity, hosts);
    Files.createDirectories(dir);
    Pem.writePublic(dir.resolve("cert.pem"), keys.certificate());
    Pem.writePrivateKey(dir.resolve("key.pem"), keys.privateKey());
    return keys;
  }

  /** Writes each nation's root as {@code dir/<nation>.pem}. */
  public static void writeRoots(LocalPki pki, Path dir, String... nations) throws IOException {
    Files.createDirectories(dir);
    for (String n : nations) {
      Pem.writePublic(dir.resolve(n.toLowerCase(Locale.ROOT) + ".pem"), pki.ca(n).certificate());
    }
  }
}
