package org.entente.coordinator.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.leader.FencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one translation from domain exceptions to gRPC {@link Status}. Unknown failures become
 * INTERNAL with an opaque message; their details go to the log, never to the caller. Stateless.
 */
public final class StatusMapper {
  private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  /** The status a caller should see for {@code t}. */
  public static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    Status status;
    if (t instanceof ForbiddenException) {
      status = Status.PERMISSION_DENIED.withDescription(t.getMessage());
    } else if (t instanceof InvalidRequestException) {
      status = Status.INVALID_ARGUMENT.withDescription(t.getMessage());
    } else if (t instanceof NotFoundException) {
      status = Status.NOT_FOUND.withDescription(t.getMessage());
    } else if (t instanceof org.entente.coordinator.errors.AlreadyExistsException) {
      status = Status.ALREADY_EXISTS.withDescription(t.getMessage());
    } else if (t instanceof ConflictException) {
      status = Status.FAILED_PRECONDITION.withDescription(t.getMessage());
    } else if (t instanceof UnavailableException || t instanceof FencedException) {
      status = Status.UNAVAILABLE.withDescription(t.getMessage());
    } else {
      String ref = Long.toHexString(System.nanoTime());
      log.error("internal error (ref {})", ref, t);
      status =
          Status.INTERNAL.withDescription("internal error (ref " + ref + "); see coordinator log");
    }
    return status.asRuntimeException();
  }
}
