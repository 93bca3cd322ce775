package org.entente.cli.gov;

import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Policy;
import picocli.CommandLine.Option;

/** The governed scheduler policy on the command line; a value left out is the built-in default. */
public final class PolicyOptions {
  @Option(
      names = "--half-life",
      paramLabel = "DURATION",
      description = "Fair-share usage decay half-life, e.g. 2h (left out: the built-in default).")
  String halfLife;

  @Option(
      names = "--trust-after",
      paramLabel = "N",
      description =
          "Agreeing results in a row before a node's shards are only spot-checked (left out: the"
              + " built-in default).")
  Integer trustAfter;

  @Option(
      names = "--check-fraction",
      paramLabel = "F",
      description =
          "Fraction of a trusted node's shards still checked, above 0 and at most 1 (left out: the"
              + " built-in default).")
  Double checkFraction;

  /** The policy the flags name. */
  Policy policy() {
    Policy.Builder p = Policy.newBuilder();
    if (halfLife != null) {
      long ms = GovText.duration("--half-life", halfLife).toMillis();
      if (ms <= 0) {
        throw new UserException(ExitCodes.INVALID, "--half-life: must be longer than 0");
      }
      p.setHalfLifeMs(ms);
    }
    if (trustAfter != null) {
      if (trustAfter < 1) {
        throw new UserException(
            ExitCodes.INVALID, "--trust-after: must be at least 1, got " + trustAfter);
      }
      p.setTrustAfter(trustAfter);
    }
    if (checkFraction != null) {
      if (!(checkFraction > 0 && checkFraction <= 1)) {
        throw new UserException(
            ExitCodes.INVALID,
            "--check-fraction: must be above 0 and at most 1, got " + checkFraction);
      }
      p.setCheckFraction(checkFraction);
    }
    return p.build();
  }
}
