package org.entente.cli.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.security.Names;
import org.entente.security.NationCa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente pki init-nation}. */
@Command(
    name = "init-nation",
    mixinStandardHelpOptions = true,
    description =
        "Create a nation's root CA (ECDSA P-256): ca.pem to share, ca.key (mode 0600) to keep offline.")
public final class InitNationCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--nation",
      required = true,
      description = "Nation code, 2-3 uppercase letters (e.g. DE).")
  String nation;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to create the CA in.")
  Path out;

  @Option(
      names = "--days",
      defaultValue = "3650",
      description = "Validity in days (default: ${DEFAULT-VALUE}).")
  int days;

  @Override
  public Integer call() {
    Inputs.check("--nation", nation, Names::requireNation);
    if (days < 1 || days > 36500) {
      throw new UserException(ExitCodes.INVALID, "--days: must be between 1 and 36500");
    }
    NationCa ca = NationCa.create(nation, Clock.systemUTC(), Duration.ofDays(days));
    try {
      ca.save(out);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, e.getMessage());
    }
    var w = spec.commandLine().getOut();
    w.printf("Created the %s root CA in %s%n", nation, out);
    w.printf(
        "  %s  share with the other member nations (trust bundle)%n",
        out.resolve(NationCa.CERT_FILE));
    w.printf("  %s  private, mode 0600: keep it offline%n", out.resolve(NationCa.KEY_FILE));
    w.flush();
    return ExitCodes.OK;
  }
}
