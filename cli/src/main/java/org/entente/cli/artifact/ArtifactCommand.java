package org.entente.cli.artifact;

import picocli.CommandLine.Command;

/** {@code entente artifact}: the coordinators' content-addressed artifact store. */
@Command(
    name = "artifact",
    mixinStandardHelpOptions = true,
    description =
        "Models and data sets in the coordinators' content-addressed store, named"
            + " entente:artifacts/<sha256> and copied to every replica (see docs/artifacts.md).",
    subcommands = {PutCommand.class, GetCommand.class, StatCommand.class})
public final class ArtifactCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
