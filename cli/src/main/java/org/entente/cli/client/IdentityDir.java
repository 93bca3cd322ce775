package org.entente.cli.client;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.security.KeyMaterial;
import org.entente.security.Pem;
import org.entente.security.TrustBundle;

/**
 * A client identity directory: {@code cert.pem}, {@code key.pem} and {@code trust/*.pem} (the
 * member roots). Immutable.
 */
public record IdentityDir(KeyMaterial keys, TrustBundle trust) {
  public static final String CERT = "cert.pem";
  public static final String KEY = "key.pem";
  public static final String TRUST = "trust";

  public static IdentityDir load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserException(ExitCodes.INVALID, "identity directory " + dir + " does not exist");
    }
    for (String file : new String[] {CERT, KEY}) {
      if (!Files.isRegularFile(dir.resolve(file))) {
        throw new UserException(
            ExitCodes.INVALID,
            "identity directory "
                + dir
                + " has no "
                + file
                + ": "
                + dir.resolve(file)
                + " does not exist");
      }
    }
    try {
      KeyMaterial keys = KeyMaterial.load(dir.resolve(CERT), dir.resolve(KEY));
      List<X509Certificate> roots = new ArrayList<>();
      Path trustDir = dir.resolve(TRUST);
      if (!Files.isDirectory(trustDir)) {
        throw new UserException(
            ExitCodes.INVALID,
            "identity directory "
                + dir
                + " has no trust/ folder with the member nations' ca.pem files");
      }
      try (DirectoryStream<Path> files = Files.newDirectoryStream(trustDir, "*.pem")) {
        for (Path f : files) {
          roots.addAll(Pem.readCertificates(f));
        }
      }
      return new IdentityDir(keys, TrustBundle.of(roots));
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "identity " + dir + ": " + e.getMessage());
    }
  }

  /** Writes an identity directory (used by the demo). */
  public static void write(Path dir, KeyMaterial keys, TrustBundle trust) throws IOException {
    Files.createDirectories(dir.resolve(TRUST));
    Pem.writePrivateKey(dir.resolve(KEY), keys.privateKey());
    Pem.writePublic(dir.resolve(CERT), keys.certificate());
    for (String nation : trust.nations()) {
      Pem.writePublic(
          dir.resolve(TRUST).resolve(nation.toLowerCase(java.util.Locale.ROOT) + "-ca.pem"),
          trust.root(nation));
    }
  }
}
