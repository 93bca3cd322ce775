package org.entente.cli.gov;

import java.nio.file.Path;
import java.time.Duration;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.coordinator.governance.GovernanceApiService;
import picocli.CommandLine.Option;

/**
 * What every {@code entente gov propose} kind takes: why, how long it stays open, where it goes.
 */
public final class ProposeOptions {
  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "Why, for the approvers (1-1024 characters).")
  String reason;

  @Option(
      names = "--ttl",
      defaultValue = "7d",
      paramLabel = "DURATION",
      description =
          "How long the proposal stays open for approvals, at most 30d (default: ${DEFAULT-VALUE}).")
  String ttl;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description =
          "Write the signed proposal to FILE instead of sending it; any member operator sends it"
              + " with 'entente gov submit FILE' (for a nation proposing its own admission).")
  Path out;

  /** The reason, checked as the replicas check it. */
  String reason() {
    if (reason.isBlank() || reason.length() > 1024) {
      throw new UserException(
          ExitCodes.INVALID, "--reason: say why in 1-1024 characters; approvers read it");
    }
    return reason;
  }

  /** The time to live, checked against the longest the replicas accept. */
  Duration ttl() {
    Duration d = GovText.duration("--ttl", ttl);
    if (d.isZero() || d.compareTo(GovernanceApiService.MAX_TTL) > 0) {
      throw new UserException(
          ExitCodes.INVALID, "--ttl: a proposal may stay open more than 0 and at most 30d");
    }
    return d;
  }
}
