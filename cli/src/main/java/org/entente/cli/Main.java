package org.entente.cli;

import io.grpc.StatusRuntimeException;
import org.entente.cli.artifact.ArtifactCommand;
import org.entente.cli.client.StatusCodes;
import org.entente.cli.demo.DemoCommand;
import org.entente.cli.pki.PkiCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code entente} command. */
@Command(
    name = "entente",
    mixinStandardHelpOptions = true,
    version = "entente 0.1.0",
    description = "Federated compute sharing for sovereign AI consortia.",
    subcommands = {
      DemoCommand.class,
      PkiCommand.class,
      CoordinatorCommand.class,
      AgentCommand.class,
      NodesCommand.class,
      FederationCommand.class,
      DrainCommand.class,
      SubmitCommand.class,
      JobsCommand.class,
      JobCommand.class,
      CancelCommand.class,
      QuotasCommand.class,
      ArtifactCommand.class,
      org.entente.cli.ledger.LedgerCommand.class,
      org.entente.cli.gov.GovCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:unexpected failure",
      "2:wrong usage",
      "3:no coordinator or ZooKeeper reachable",
      "4:certificate refused or action not permitted",
      "5:not found",
      "6:invalid file, config or argument (nothing changed)",
      "7:conflicts with newer state (nothing changed)",
      "8:verification failed: the ledger, a proof or the governance chain breaks a rule",
      "9:stopped at a confirmation prompt (nothing changed)"
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "choose a command (see --help)");
  }

  /** Builds the command line with Entente's error handling. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("entente: " + messageOf(e));
          cmd.getErr().flush();
          return exitCodeOf(e);
        });
    return cl;
  }

  static String messageOf(Exception e) {
    if (e instanceof StatusRuntimeException s) {
      String d = s.getStatus().getDescription();
      return s.getStatus().getCode() + (d == null ? "" : ": " + d);
    }
    if (e instanceof UserException) {
      return e.getMessage();
    }
    return "unexpected error: " + e;
  }

  static int exitCodeOf(Exception e) {
    if (e instanceof UserException u) {
      return u.exitCode();
    }
    if (e instanceof StatusRuntimeException s) {
      return StatusCodes.exitCode(s.getStatus().getCode());
    }
    return ExitCodes.FAILURE;
  }

  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", "true");
    System.exit(commandLine().execute(args));
  }
}
