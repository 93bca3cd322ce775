package org.entente.cli.pki;

import picocli.CommandLine.Command;

/** {@code entente pki}: nation roots, keys and CSRs, signing, inspection and revocation. */
@Command(
    name = "pki",
    mixinStandardHelpOptions = true,
    description =
        "Nation certificate authorities and identities. Private keys never leave the machine that made them.",
    subcommands = {
      InitNationCommand.class,
      CsrCommand.class,
      SignCommand.class,
      ShowCommand.class,
      RevokeCommand.class,
      PublishCrlCommand.class
    })
public final class PkiCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
