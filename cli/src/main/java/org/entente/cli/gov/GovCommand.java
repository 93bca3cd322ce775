package org.entente.cli.gov;

import picocli.CommandLine.Command;

/**
 * {@code entente gov}: governance, the decisions no single nation may make alone. Proposals signed
 * by an operator take effect once operators of enough distinct member nations approve them.
 */
@Command(
    name = "gov",
    mixinStandardHelpOptions = true,
    description =
        "Governance: propose and approve changes no nation may make alone (membership, quotas,"
            + " revocation, quarantine, the threshold, scheduler policy), and found a federation"
            + " with a genesis every founding nation signs.",
    subcommands = {
      ProposeCommand.class,
      SubmitProposalCommand.class,
      ApproveCommand.class,
      ListProposalsCommand.class,
      ShowProposalCommand.class,
      StateCommand.class,
      GenesisCommand.class
    })
public final class GovCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
