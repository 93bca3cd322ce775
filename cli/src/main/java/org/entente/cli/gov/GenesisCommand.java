package org.entente.cli.gov;

import picocli.CommandLine.Command;

/** {@code entente gov genesis}: the founding document, drafted and signed offline. */
@Command(
    name = "genesis",
    mixinStandardHelpOptions = true,
    description =
        "Found a federation: draft the genesis, have an operator of every founding nation sign"
            + " the same file, check it, then start every coordinator with it. Needs no network.",
    subcommands = {GenesisDraftCommand.class, GenesisSignCommand.class, GenesisShowCommand.class})
public final class GenesisCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
