package org.entente.cli.gov;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.SignedGenesis;
import org.entente.security.KeyMaterial;
import org.entente.security.Signatures;
import org.entente.security.governance.Documents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente gov genesis sign}: adds this nation's operator signature to a genesis. */
@Command(
    name = "sign",
    mixinStandardHelpOptions = true,
    description =
        "Sign a genesis for your nation with your operator key, in place. Check it first with"
            + " 'entente gov genesis show FILE': your signature founds the federation as written."
            + " Needs no network.")
public final class GenesisSignCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The genesis, as 'gov genesis draft' wrote it.")
  Path file;

  @Option(
      names = "--identity",
      paramLabel = "DIR",
      description =
          "Directory with your operator's cert.pem and key.pem (default: $ENTENTE_IDENTITY).")
  Path identity;

  @Override
  public Integer call() {
    GenesisFiles.Read g = GenesisFiles.read(file);
    KeyMaterial keys = OperatorKeys.load(spec);
    String nation = keys.identity().nation();
    Member m = g.member(nation);
    if (m == null) {
      throw new UserException(
          ExitCodes.DENIED,
          nation
              + " is not a founding member of this genesis (members: "
              + String.join(", ", g.nations())
              + ")");
    }
    if (g.signedNations().contains(nation)) {
      throw new UserException(
          ExitCodes.CONFLICT, nation + " has signed " + file + " already; nothing changed");
    }
    checkIssuedBy(keys, m);
    SignedGenesis signed = Documents.cosign(g.signed(), keys);
    GenesisFiles.write(file, signed);
    GenesisFiles.Read after = new GenesisFiles.Read(signed, g.body());
    var w = spec.commandLine().getOut();
    w.printf("signed %s as %s%n", file, keys.identity());
    String refusal = after.refusal();
    if (refusal == null) {
      w.println("complete: every founding nation signed");
    } else if (!after.missing().isEmpty()) {
      w.printf(
          "signed by %s; still missing %s%n",
          GovText.list(after.signedNations()), GovText.list(after.missing()));
    } else {
      w.printf("not valid yet: %s%n", refusal);
    }
    w.flush();
    return ExitCodes.OK;
  }

  /** Refuses a key whose certificate the genesis's root for its nation did not issue. */
  private void checkIssuedBy(KeyMaterial keys, Member m) {
    X509Certificate root;
    try {
      root = Signatures.certificate(m.getRootDer().toByteArray());
    } catch (CertificateException e) {
      throw new UserException(
          ExitCodes.INVALID, "the genesis's root for " + m.getNation() + " does not decode");
    }
    try {
      keys.certificate().verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new UserException(
          ExitCodes.INVALID,
          "your operator certificate was not issued by the root this genesis names for "
              + m.getNation()
              + "; nothing changed");
    }
  }
}
