package org.entente.cli.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.security.CertificateRequests;
import org.entente.security.Identity;
import org.entente.security.KeyPairs;
import org.entente.security.Pem;
import org.entente.security.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente pki csr}. */
@Command(
    name = "csr",
    mixinStandardHelpOptions = true,
    description =
        "Make a private key and a certificate signing request on this machine (the key stays here).")
public final class CsrCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--role",
      required = true,
      description = "coordinator, node, operator or auditor.")
  String role;

  @Option(
      names = "--name",
      required = true,
      description = "Holder name: lowercase letters, digits, inner hyphens, up to 63.")
  String name;

  @Option(
      names = "--nation",
      required = true,
      description = "Nation code of the CA that will sign it.")
  String nation;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      description = "DNS name or IP a coordinator is reached at (repeatable).")
  List<String> hosts = List.of();

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory for key.pem and csr.pem.")
  Path out;

  @Override
  public Integer call() {
    Identity identity;
    try {
      identity = new Identity(nation, Role.parse(role), name);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, e.getMessage());
    }
    Path key = out.resolve("key.pem");
    Path csr = out.resolve("csr.pem");
    if (Files.exists(key)) {
      throw new UserException(
          ExitCodes.INVALID, key + " already exists; refusing to replace a private key");
    }
    KeyPair keys = KeyPairs.generateP256();
    try {
      Files.createDirectories(out);
      var request = CertificateRequests.create(identity, hosts, keys);
      Pem.writePrivateKey(key, keys.getPrivate());
      Pem.writePublic(csr, request);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.INVALID, "--host: " + e.getMessage());
    }
    var w = spec.commandLine().getOut();
    w.printf(
        "Key and request for %s written:%n  %s  private, mode 0600%n  %s  send to the %s CA%n",
        identity.toUri(), key, csr, nation);
    w.flush();
    return ExitCodes.OK;
  }
}
