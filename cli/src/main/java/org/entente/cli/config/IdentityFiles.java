package org.entente.cli.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
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
    try {
      return KeyMaterial.load(base.resolve(cert), base.resolve(key));
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
    for (String f : files) {
      try {
        roots.addAll(Pem.readCertificates(base.resolve(f)));
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
}
