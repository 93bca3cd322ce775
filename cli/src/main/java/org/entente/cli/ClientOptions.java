package org.entente.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.entente.cli.client.FederationClient;
import org.entente.cli.client.IdentityDir;
import picocli.CommandLine.Option;

/** How a client command reaches the federation: coordinator addresses and an identity. */
public final class ClientOptions {
  @Option(
      names = "--coordinator",
      split = ",",
      paramLabel = "HOST:PORT",
      description = "Coordinator replicas to try in order (default: $ENTENTE_COORDINATORS).")
  List<String> coordinators;

  @Option(
      names = "--identity",
      paramLabel = "DIR",
      description =
          "Directory with cert.pem, key.pem and trust/*.pem (default: $ENTENTE_IDENTITY).")
  Path identity;

  @Option(
      names = "--timeout-ms",
      defaultValue = "10000",
      description = "Deadline per call (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  /** The nation of the identity directory's certificate. */
  public String identityNation() {
    return IdentityDir.load(identityDir()).keys().identity().nation();
  }

  /** The member roots of the identity directory (trust/*.pem). */
  public org.entente.security.TrustBundle trust() {
    return IdentityDir.load(identityDir()).trust();
  }

  private Path identityDir() {
    if (identity != null) {
      return identity;
    }
    String env = System.getenv("ENTENTE_IDENTITY");
    if (env == null || env.isBlank()) {
      throw new UserException(
          ExitCodes.USAGE, "name your identity directory with --identity DIR or $ENTENTE_IDENTITY");
    }
    return Path.of(env);
  }

  /** Opens a client; fails with a usage-style message if something is missing. */
  public FederationClient open() {
    return open(0);
  }

  /**
   * Opens a client whose calls get at least {@code minTimeoutMs} (work known to take longer than
   * one call usually does, such as a job array), or {@code --timeout-ms} if that is longer.
   */
  public FederationClient open(long minTimeoutMs) {
    if (timeoutMs < 1 || timeoutMs > 600_000) {
      throw new UserException(ExitCodes.INVALID, "--timeout-ms: must be between 1 and 600000");
    }
    List<String> targets = coordinators;
    if (targets == null || targets.isEmpty()) {
      String env = System.getenv("ENTENTE_COORDINATORS");
      if (env == null || env.isBlank()) {
        throw new UserException(
            ExitCodes.USAGE,
            "name a coordinator with --coordinator HOST:PORT or $ENTENTE_COORDINATORS");
      }
      targets = Arrays.asList(env.split(","));
    }
    for (String t : targets) {
      org.entente.cli.config.HostPort.parse("--coordinator", t);
    }
    IdentityDir id = IdentityDir.load(identityDir());
    return new FederationClient(
        id.keys(), id.trust(), targets, Math.min(600_000, Math.max(timeoutMs, minTimeoutMs)));
  }
}
