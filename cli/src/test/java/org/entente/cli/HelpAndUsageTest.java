package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

class HelpAndUsageTest {
  /** The path of every command and subcommand, e.g. [], [pki], [pki, sign]. */
  static Stream<List<String>> commandPaths() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), paths);
    return paths.stream();
  }

  private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
    into.add(List.copyOf(path));
    for (var e : cl.getSubcommands().entrySet()) {
      if (!e.getKey().equals(e.getValue().getCommandName())) {
        continue; // an alias of a command already visited
      }
      path.add(e.getKey());
      collect(e.getValue(), path, into);
      path.remove(path.size() - 1);
    }
  }

  @Test
  void commandTree_holdsEveryDocumentedCommand() {
    assertThat(commandPaths().map(p -> String.join(" ", p)))
        .contains(
            "",
            "demo",
            "pki",
            "pki init-nation",
            "pki csr",
            "pki sign",
            "pki show",
            "pki revoke",
            "pki publish-crl",
            "coordinator",
            "agent",
            "nodes",
            "federation",
            "drain",
            "gov",
            "gov propose",
            "gov propose set-quota",
            "gov propose admit-nation",
            "gov propose remove-nation",
            "gov propose revoke",
            "gov propose quarantine",
            "gov propose release",
            "gov propose set-threshold",
            "gov propose set-policy",
            "gov submit",
            "gov approve",
            "gov list",
            "gov show",
            "gov state",
            "gov genesis",
            "gov genesis draft",
            "gov genesis sign",
            "gov genesis show",
            "help");
  }

  @ParameterizedTest
  @MethodSource("commandPaths")
  void help_everyCommand_printsUsageAndExitsZero(List<String> path) {
    List<String> args = new ArrayList<>(path);
    args.add("--help");
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as("entente %s --help; stderr: %s", path, r.err()).isZero();
    assertThat(r.out())
        .contains("Usage: entente" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
    assertThat(r.err()).isEmpty();
  }

  /** The command at {@code path} in a fresh command line. */
  private static CommandLine command(List<String> path) {
    CommandLine cl = Main.commandLine();
    for (String name : path) {
      cl = cl.getSubcommands().get(name);
    }
    return cl;
  }

  /** Every path but picocli's own {@code help} command, which reads any word as a command name. */
  static Stream<List<String>> ententeCommandPaths() {
    return commandPaths().filter(p -> !p.equals(List.of("help")));
  }

  @ParameterizedTest
  @MethodSource("ententeCommandPaths")
  void unknownOption_everyCommand_exitsUsageNamingIt(List<String> path) {
    CommandSpec spec = command(path).getCommandSpec();
    List<String> args = new ArrayList<>(path);
    // Give every required option and parameter a value, so the unknown option is the only error.
    for (OptionSpec o : spec.options()) {
      if (o.required()) {
        args.add(o.longestName());
        args.add("x");
      }
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      for (int i = 0; i < p.arity().min(); i++) {
        args.add("x");
      }
    }
    args.add("--no-such-option");

    Cli.Result r = Cli.run(args.toArray(String[]::new));

    assertThat(r.exitCode()).as("entente %s; stderr: %s", args, r.err()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--no-such-option'");
    assertThat(r.err())
        .contains("Usage: entente" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownOption_withRequiredOptionsMissing_stillExitsUsage() {
    Cli.Result r = Cli.run("pki", "sign", "--no-such-option");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Usage: entente pki sign");
  }

  @Test
  void help_topLevel_listsExitCodes() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.out())
        .contains("Exit codes:")
        .contains("3", "no coordinator or ZooKeeper reachable")
        .contains("6", "invalid file, config or argument");
  }

  @Test
  void version_printsVersionAndExitsZero() {
    Cli.Result r = Cli.run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).isEqualTo("entente 0.1.0");
  }

  @Test
  void noCommand_exitsUsageAndAsksForOne() {
    Cli.Result r = Cli.run();
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("choose a command");
  }

  @Test
  void pkiWithoutSubcommand_printsItsUsage() {
    Cli.Result r = Cli.run("pki");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("Usage: entente pki")
        .contains("init-nation")
        .contains("publish-crl");
  }

  @Test
  void unknownCommand_exitsUsage() {
    Cli.Result r = Cli.run("frobnicate");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("frobnicate");
  }

  @Test
  void missingRequiredOption_exitsUsageNamingIt() {
    Cli.Result r = Cli.run("pki", "init-nation", "--nation", "DE");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--out");
  }

  @Test
  void helpSubcommand_namedCommand_printsThatCommandsUsage() {
    Cli.Result r = Cli.run("help", "nodes");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("Usage: entente nodes");
  }
}
