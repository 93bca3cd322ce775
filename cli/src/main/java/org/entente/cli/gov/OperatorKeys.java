package org.entente.cli.gov;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.IdentityDir;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The operator key that signs governance documents: {@code cert.pem} and {@code key.pem} of the
 * directory named by the command's {@code --identity} option or {@code $ENTENTE_IDENTITY}. Only the
 * key pair is read (no {@code trust/} folder needed), so a nation not yet admitted can sign its own
 * admission. Stateless.
 */
final class OperatorKeys {
  private OperatorKeys() {}

  /** The operator key of the identity directory that {@code spec}'s {@code --identity} names. */
  static KeyMaterial load(CommandSpec spec) {
    OptionSpec option = spec.findOption("--identity");
    Path dir = option == null ? null : option.getValue();
    if (dir == null) {
      String env = System.getenv("ENTENTE_IDENTITY");
      if (env == null || env.isBlank()) {
        throw new UserException(
            ExitCodes.USAGE,
            "name your identity directory with --identity DIR or $ENTENTE_IDENTITY");
      }
      dir = Path.of(env);
    }
    Path cert = dir.resolve(IdentityDir.CERT);
    Path key = dir.resolve(IdentityDir.KEY);
    for (Path f : new Path[] {cert, key}) {
      if (!Files.isRegularFile(f)) {
        throw new UserException(
            ExitCodes.INVALID, "identity directory " + dir + " has no " + f.getFileName());
      }
    }
    KeyMaterial keys;
    try {
      keys = KeyMaterial.load(cert, key);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "identity " + dir + ": " + e.getMessage());
    }
    if (keys.identity().role() != Role.OPERATOR) {
      throw new UserException(
          ExitCodes.DENIED,
          "identity "
              + dir
              + " is "
              + keys.identity()
              + ", not an operator; governance documents are signed by operators");
    }
    return keys;
  }
}
