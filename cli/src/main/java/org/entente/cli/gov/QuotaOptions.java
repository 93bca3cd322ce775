package org.entente.cli.gov;

import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.GovernedQuota;
import picocli.CommandLine.Option;

/**
 * A governed quota on the command line: nominal GPUs, CPUs and memory, and optional borrowing and
 * lending limits (left out: unlimited).
 */
public final class QuotaOptions {
  @Option(names = "--gpus", paramLabel = "N", description = "Nominal GPUs.")
  Long gpus;

  @Option(names = "--cpus", paramLabel = "N", description = "Nominal CPU cores.")
  Long cpus;

  @Option(names = "--memory", paramLabel = "BYTES", description = "Nominal memory, e.g. 512Gi.")
  String memory;

  @Option(
      names = "--borrowing-gpus",
      paramLabel = "N",
      description = "GPUs it may borrow beyond its quota (with the other --borrowing-*).")
  Long borrowingGpus;

  @Option(names = "--borrowing-cpus", paramLabel = "N", description = "CPUs it may borrow.")
  Long borrowingCpus;

  @Option(names = "--borrowing-memory", paramLabel = "BYTES", description = "Memory it may borrow.")
  String borrowingMemory;

  @Option(
      names = "--lending-gpus",
      paramLabel = "N",
      description = "GPUs of its quota others may borrow (with the other --lending-*).")
  Long lendingGpus;

  @Option(names = "--lending-cpus", paramLabel = "N", description = "CPUs others may borrow.")
  Long lendingCpus;

  @Option(
      names = "--lending-memory",
      paramLabel = "BYTES",
      description = "Memory others may borrow.")
  String lendingMemory;

  @Option(
      names = "--pledge-gpus",
      paramLabel = "N",
      description = "GPUs the nation pledges to the pool (with the other --pledge-*).")
  Long pledgeGpus;

  @Option(names = "--pledge-cpus", paramLabel = "N", description = "CPUs it pledges.")
  Long pledgeCpus;

  @Option(names = "--pledge-memory", paramLabel = "BYTES", description = "Memory it pledges.")
  String pledgeMemory;

  /** The capacity pledged, or null when no --pledge-* flag was given. */
  Amounts pledge() {
    return amounts("pledge-", pledgeGpus, pledgeCpus, pledgeMemory);
  }

  /** Whether any quota flag was given. */
  boolean given() {
    return gpus != null
        || cpus != null
        || memory != null
        || borrowingGpus != null
        || borrowingCpus != null
        || borrowingMemory != null
        || lendingGpus != null
        || lendingCpus != null
        || lendingMemory != null;
  }

  /** The quota the flags name; a one-line error naming the flags when they do not add up. */
  GovernedQuota quota() {
    GovernedQuota.Builder q = GovernedQuota.newBuilder();
    Amounts nominal = amounts("", gpus, cpus, memory);
    if (nominal == null) {
      throw new UserException(
          ExitCodes.USAGE, "--gpus, --cpus and --memory: a quota needs all three");
    }
    q.setNominal(nominal);
    Amounts borrowing = amounts("borrowing-", borrowingGpus, borrowingCpus, borrowingMemory);
    if (borrowing != null) {
      q.setBorrowingLimit(borrowing);
    }
    Amounts lending = amounts("lending-", lendingGpus, lendingCpus, lendingMemory);
    if (lending != null) {
      q.setLendingLimit(lending);
    }
    return q.build();
  }

  private static Amounts amounts(String prefix, Long gpus, Long cpus, String memory) {
    if (gpus == null && cpus == null && memory == null) {
      return null;
    }
    if (gpus == null || cpus == null || memory == null) {
      throw new UserException(
          ExitCodes.USAGE,
          String.format(
              "--%1$sgpus, --%1$scpus and --%1$smemory go together: give all three%2$s",
              prefix, prefix.isEmpty() ? "" : " or none (none: unlimited)"));
    }
    for (var e : new Object[][] {{"gpus", gpus}, {"cpus", cpus}}) {
      if ((Long) e[1] < 0) {
        throw new UserException(
            ExitCodes.INVALID, "--" + prefix + e[0] + ": must not be negative, got " + e[1]);
      }
    }
    return Amounts.newBuilder()
        .setGpus(gpus)
        .setCpus(cpus)
        .setMemoryBytes(GovText.bytes("--" + prefix + "memory", memory))
        .build();
  }
}
