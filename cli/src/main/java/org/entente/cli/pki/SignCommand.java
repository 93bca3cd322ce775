package org.entente.cli.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.security.CertificateRequests;
import org.entente.security.IdentityCertificates;
import org.entente.security.NationCa;
import org.entente.security.Pem;
import org.entente.security.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente pki sign}. */
@Command(
    name = "sign",
    mixinStandardHelpOptions = true,
    description = "Issue a certificate for a CSR of this CA's own nation.")
public final class SignCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--ca",
      required = true,
      paramLabel = "DIR",
      description = "The nation CA directory.")
  Path caDir;

  @Option(
      names = "--role",
      required = true,
      description =
          "The role you mean to sign (coordinator, node, operator, auditor); a CSR asking for"
              + " another is refused.")
  String role;

  @Option(
      names = "--csr",
      required = true,
      paramLabel = "FILE",
      description = "The request (csr.pem).")
  Path csr;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Certificate file (default: cert.pem beside the CSR).")
  Path out;

  @Option(
      names = "--days",
      defaultValue = "365",
      description = "Validity in days (default: ${DEFAULT-VALUE}).")
  int days;

  @Override
  public Integer call() {
    if (days < 1 || days > 3650) {
      throw new UserException(ExitCodes.INVALID, "--days: must be between 1 and 3650");
    }
    Path target = out != null ? out : csr.toAbsolutePath().resolveSibling("cert.pem");
    if (Files.exists(target)) {
      throw new UserException(ExitCodes.INVALID, target + " already exists; choose another --out");
    }
    try {
      Role expected = Role.parse(role);
      NationCa ca = NationCa.load(caDir, Clock.systemUTC());
      var request = Pem.readCsr(csr);
      Role asked = CertificateRequests.verify(request).identity().role();
      if (asked != expected) {
        throw new UserException(
            ExitCodes.INVALID,
            csr
                + " asks for the "
                + asked.label()
                + " role, but you are signing with --role "
                + expected.label()
                + "; nothing was signed");
      }
      X509Certificate cert = ca.sign(request, Duration.ofDays(days));
      Pem.writePublic(target, cert);
      var w = spec.commandLine().getOut();
      w.printf(
          "Issued %s (serial %s, valid until %s)%n  %s%n",
          IdentityCertificates.identityOf(cert).toUri(),
          cert.getSerialNumber().toString(16),
          cert.getNotAfter().toInstant(),
          target);
      w.flush();
      return ExitCodes.OK;
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, e.getMessage());
    }
  }
}
