package org.entente.cli.client;

import io.grpc.Status;
import org.entente.cli.ExitCodes;

/**
 * The one classifier of gRPC status codes for clients: which are worth retrying on another replica,
 * and which exit code each means. Stateless.
 */
public final class StatusCodes {
  private StatusCodes() {}

  /** Whether another replica might succeed where this one failed. */
  public static boolean retryable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  public static int exitCode(Status.Code code) {
    return switch (code) {
      case OK -> ExitCodes.OK;
      case UNAVAILABLE, DEADLINE_EXCEEDED -> ExitCodes.UNAVAILABLE;
      case UNAUTHENTICATED, PERMISSION_DENIED -> ExitCodes.DENIED;
      case NOT_FOUND -> ExitCodes.NOT_FOUND;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> ExitCodes.INVALID;
      case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> ExitCodes.CONFLICT;
      default -> ExitCodes.FAILURE;
    };
  }
}
