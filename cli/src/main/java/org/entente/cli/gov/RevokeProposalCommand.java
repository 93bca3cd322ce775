package org.entente.cli.gov;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Locale;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.RevokeCertificate;
import org.entente.security.Identity;
import org.entente.security.IdentityCertificates;
import org.entente.security.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code entente gov propose revoke}. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description =
        "Propose revoking one certificate of a member nation (a node's, an operator's or a"
            + " coordinator's): name it with --cert FILE, or with --nation and --serial.")
public final class RevokeProposalCommand extends ProposalCommand {
  @Option(
      names = "--cert",
      paramLabel = "CERT.pem",
      description = "The certificate; its nation, serial and subject are read from it.")
  Path cert;

  @Option(names = "--nation", paramLabel = "NATION", description = "The certificate's nation.")
  String nation;

  @Option(
      names = "--serial",
      paramLabel = "HEX",
      description = "The certificate's serial number in hex (as 'entente pki show' prints it).")
  String serial;

  @Override
  Change change() {
    RevokeCertificate.Builder r = RevokeCertificate.newBuilder();
    if (cert != null) {
      if (nation != null || serial != null) {
        throw new UserException(
            ExitCodes.USAGE, "--cert: give either --cert or --nation with --serial, not both");
      }
      X509Certificate c;
      Identity id;
      try {
        c = Pem.readCertificate(cert);
        id = IdentityCertificates.identityOf(c);
      } catch (IOException | IllegalArgumentException e) {
        throw new UserException(ExitCodes.INVALID, "--cert " + cert + ": " + e.getMessage());
      }
      r.setNation(id.nation())
          .setSerialHex(c.getSerialNumber().toString(16))
          .setSubject(id.toUri());
    } else {
      if (nation == null || serial == null) {
        throw new UserException(
            ExitCodes.USAGE, "--cert, or --nation with --serial: name the certificate to revoke");
      }
      String hex = serial.trim().toLowerCase(Locale.ROOT);
      if (hex.startsWith("0x")) {
        hex = hex.substring(2);
      }
      if (!hex.matches("[0-9a-f]{1,40}")) {
        throw new UserException(
            ExitCodes.INVALID, "--serial: '" + serial + "' is not a hex serial number");
      }
      hex = hex.replaceFirst("^0+(?=.)", "");
      r.setNation(GovText.nation("--nation", nation)).setSerialHex(hex);
    }
    return Change.newBuilder().setRevoke(r).build();
  }
}
