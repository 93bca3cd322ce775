package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code entente} in-process through {@link Main#commandLine()} and captures its output. */
public final class Cli {
  private Cli() {}

  /** What one run printed and returned. */
  public record Result(int exitCode, String out, String err) {
    /** Non-empty lines written to stderr. */
    public List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Non-empty lines written to stdout. */
    public List<String> outLines() {
      return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * Asserts the run failed with {@code code} and reported it as exactly one {@code entente:} line
     * on stderr, without a stack trace; returns that line.
     */
    public String oneLineError(int code) {
      assertThat(exitCode).as("exit code; stderr was: %s", err).isEqualTo(code);
      assertThat(errLines()).as("stderr lines").hasSize(1);
      String line = errLines().get(0);
      assertThat(line).startsWith("entente: ");
      assertThat(err).doesNotContain("at org.").doesNotContain("\tat ").doesNotContain("Caused by");
      return line;
    }

    /** Asserts the run succeeded with nothing on stderr. */
    public Result succeeded() {
      assertThat(exitCode).as("exit code; stderr was: %s", err).isZero();
      assertThat(err).isEmpty();
      return this;
    }
  }

  /** Runs {@code entente args...}. */
  public static Result run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
