package org.entente.cli.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.PublishRevocationsRequest;
import org.entente.proto.v1.PublishRevocationsResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente pki publish-crl}. */
@Command(
    name = "publish-crl",
    mixinStandardHelpOptions = true,
    description =
        "Publish your nation's revocation list to the federation (operator certificate of that nation).")
public final class PublishCrlCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "CRL", description = "The crl.pem written by 'entente pki revoke'.")
  Path crl;

  @Option(names = "--nation", description = "Nation of the list (default: your identity's nation).")
  String nation;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    String pem;
    try {
      pem = Files.readString(crl);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, crl + ": cannot read: " + e.getMessage());
    }
    try (FederationClient c = client.open()) {
      String n = nation != null ? nation : client.identityNation();
      PublishRevocationsResponse r =
          c.call(
              s ->
                  s.publishRevocations(
                      PublishRevocationsRequest.newBuilder().setNation(n).setCrlPem(pem).build()));
      var w = spec.commandLine().getOut();
      w.printf(
          "Published %s revocation list #%d (%d revoked).%n",
          n, r.getCrlNumber(), r.getRevokedCount());
      w.flush();
    }
    return ExitCodes.OK;
  }
}
