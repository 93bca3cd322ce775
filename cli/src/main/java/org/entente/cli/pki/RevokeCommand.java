package org.entente.cli.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.security.NationCa;
import org.entente.security.Pem;
import org.entente.security.RevocationList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente pki revoke}. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description =
        "Add a certificate to the nation's revocation list (DIR/crl.pem, numbered); then publish it with 'entente pki publish-crl'.")
public final class RevokeCommand implements Callable<Integer> {
  static final String CRL_FILE = "crl.pem";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--ca",
      required = true,
      paramLabel = "DIR",
      description = "The nation CA directory.")
  Path caDir;

  @Option(
      names = "--cert",
      required = true,
      paramLabel = "FILE",
      description = "The certificate to revoke.")
  Path certFile;

  @Override
  public Integer call() {
    try {
      NationCa ca = NationCa.load(caDir, Clock.systemUTC());
      X509Certificate cert = Pem.readCertificate(certFile);
      if (!cert.getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal())) {
        throw new UserException(
            ExitCodes.INVALID, certFile + " was not issued by the " + ca.nation() + " CA");
      }
      Path crlFile = caDir.resolve(CRL_FILE);
      long number = 0;
      Set<BigInteger> serials = new HashSet<>();
      if (Files.exists(crlFile)) {
        RevocationList held = RevocationList.verify(Files.readString(crlFile), ca.certificate());
        number = held.number();
        serials.addAll(held.serials());
      }
      serials.add(cert.getSerialNumber());
      X509CRL crl = ca.revocationList(number + 1, serials);
      Pem.writePublic(crlFile, crl);
      var w = spec.commandLine().getOut();
      w.printf(
          "Revoked serial %s; %s now lists %d certificate(s) (#%d).%nPublish it: entente pki publish-crl %s%n",
          cert.getSerialNumber().toString(16), crlFile, serials.size(), number + 1, crlFile);
      w.flush();
      return ExitCodes.OK;
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, e.getMessage());
    }
  }
}
