package org.entente.cli;

/**
 * What {@code entente}'s exit status means, so scripts can tell a typo from an outage. Stateless.
 */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** An unexpected failure (the message says what). */
  public static final int FAILURE = 1;

  /** Wrong command-line usage. */
  public static final int USAGE = 2;

  /** No coordinator or ZooKeeper could be reached; retrying later may help. */
  public static final int UNAVAILABLE = 3;

  /** The caller's certificate was refused, or it may not do this. */
  public static final int DENIED = 4;

  /** The named thing does not exist. */
  public static final int NOT_FOUND = 5;

  /** A file, config or argument is invalid; nothing was changed. */
  public static final int INVALID = 6;

  /** The request conflicts with newer state; nothing was changed. */
  public static final int CONFLICT = 7;

  /**
   * Verification failed: the ledger, a proof or the governance chain breaks a rule (the message
   * names entry and rule).
   */
  public static final int VERIFY_FAILED = 8;

  /** The user declined at a confirmation prompt (or gave no answer); nothing was changed. */
  public static final int ABORTED = 9;

  private ExitCodes() {}
}
