package org.entente.cli.gov;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.AdmitNation;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.Member;
import org.entente.security.IdentityCertificates;
import org.entente.security.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code entente gov propose admit-nation}. */
@Command(
    name = "admit-nation",
    mixinStandardHelpOptions = true,
    description =
        "Propose a new member nation: its root joins the trust bundle once approved. The nation"
            + " is read from the root. A nation may propose its own admission: sign with its"
            + " operator and --out FILE, then a member operator sends it with 'entente gov"
            + " submit FILE'.")
public final class AdmitNationCommand extends ProposalCommand {
  @Option(
      names = "--root",
      required = true,
      paramLabel = "ROOT.pem",
      description = "The new nation's root CA certificate.")
  Path root;

  @Mixin QuotaOptions quota;

  @Override
  Change change() {
    Member m = member("--root", root);
    if (quota.given()) {
      m = m.toBuilder().setQuota(quota.quota()).build();
    }
    return Change.newBuilder().setAdmitNation(AdmitNation.newBuilder().setMember(m)).build();
  }

  /** A member with the nation and DER of the root in {@code file}. */
  static Member member(String option, Path file) {
    X509Certificate cert;
    try {
      cert = Pem.readCertificate(file);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, option + " " + file + ": " + e.getMessage());
    }
    String nation;
    try {
      nation = IdentityCertificates.nationOfRoot(cert);
    } catch (IllegalArgumentException e) {
      throw new UserException(
          ExitCodes.INVALID,
          option + " " + file + " is not a nation root certificate: " + e.getMessage());
    }
    try {
      return Member.newBuilder()
          .setNation(nation)
          .setRootDer(ByteString.copyFrom(cert.getEncoded()))
          .build();
    } catch (CertificateEncodingException e) {
      throw new UserException(ExitCodes.INVALID, option + " " + file + " cannot be encoded");
    }
  }
}
