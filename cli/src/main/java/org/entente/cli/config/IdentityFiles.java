package org.entente.cli.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
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

/** The {@code identity:} block of a config file: certificate and key paths. Immutable. */
public record IdentityFiles(
    @JsonProperty(value = "cert", required = true) String cert,
    @JsonProperty(value = "key", required = true) String key) {

  /** Loads the pair, resolving paths against the config file's directory. */
  public KeyMaterial load(Path base) {
    Path certFile = existing("identity.cert", base.resolve(cert));
    Path keyFile = existing("identity.key", base.resolve(key));
    try {
      return KeyMaterial.load(certFile, keyFile);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "identity: " + e.getMessage());
    }
  }

  /** Loads root certificates into a bundle. */
  public static TrustBundle trust(Path base, List<String> files) {
    if (files == null || files.isEmpty()) {
      throw new UserException(
          ExitCodes.INVALID, "field 'trust': list at least one nation root certificate");
    }
    List<X509Certificate> roots = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Path f = existing("trust[" + i + "]", base.resolve(files.get(i)));
      try {
        roots.addAll(Pem.readCertificates(f));
      } catch (IOException e) {
        throw new UserException(ExitCodes.INVALID, "trust: " + e.getMessage());
      }
    }
    try {
      return TrustBundle.of(roots);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "trust: " + e.getMessage());
    }
  }

  /** Returns {@code file}, or fails naming {@code field} if there is no such file. */
  private static Path existing(String field, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserException(
          ExitCodes.INVALID,
          "field '"
              + field
              + "': "
              + file
              + (Files.exists(file) ? " is not a regular file" : " does not exist"));
    }
    return file;
  }
}
