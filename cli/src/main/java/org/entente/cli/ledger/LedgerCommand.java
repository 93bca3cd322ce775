package org.entente.cli.ledger;

import picocli.CommandLine.Command;

/** {@code entente ledger}: audit the contribution ledger and check proofs. */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description =
        "Audit the contribution ledger: dual-signed usage receipts in a Merkle log every nation"
            + " cosigns.",
    subcommands = {
      AuditCommand.class,
      ProofCommand.class,
      VerifyProofCommand.class,
      ProvenanceCommand.class
    })
public final class LedgerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
