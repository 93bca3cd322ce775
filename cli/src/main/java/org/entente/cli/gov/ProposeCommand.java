package org.entente.cli.gov;

import picocli.CommandLine.Command;

/** {@code entente gov propose}: the kinds of governed change. */
@Command(
    name = "propose",
    mixinStandardHelpOptions = true,
    description =
        "Propose a governed change, signed with your operator key. It changes nothing until"
            + " operators of enough member nations approve it ('entente gov approve ID');"
            + " proposing does not approve.",
    subcommands = {
      SetQuotaCommand.class,
      AdmitNationCommand.class,
      RemoveNationCommand.class,
      RevokeProposalCommand.class,
      QuarantineCommand.class,
      ReleaseNodeCommand.class,
      SetThresholdCommand.class,
      SetPolicyCommand.class
    })
public final class ProposeCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
