package org.entente.cli.gov;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente gov submit}: sends a proposal signed elsewhere. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description =
        "Send a signed proposal written with 'entente gov propose ... --out FILE' (for example a"
            + " nation's own admission). Any member nation's operator may send it; the proposer"
            + " stays whoever signed it.")
public final class SubmitProposalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The signed proposal.")
  Path file;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    return Proposals.send(spec, client, Proposals.read(file), null);
  }
}
