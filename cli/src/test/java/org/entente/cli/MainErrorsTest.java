package org.entente.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class MainErrorsTest {
  @Test
  void messageOf_userException_isItsMessageOnly() {
    UserException e = new UserException(ExitCodes.CONFLICT, "newer state exists");
    assertThat(Main.messageOf(e)).isEqualTo("newer state exists");
    assertThat(Main.exitCodeOf(e)).isEqualTo(ExitCodes.CONFLICT);
  }

  @Test
  void messageOf_grpcStatus_namesCodeAndDescription() {
    var e =
        Status.PERMISSION_DENIED
            .withDescription("operator DE may act only for DE")
            .asRuntimeException();
    assertThat(Main.messageOf(e)).isEqualTo("PERMISSION_DENIED: operator DE may act only for DE");
    assertThat(Main.exitCodeOf(e)).isEqualTo(ExitCodes.DENIED);
  }

  @Test
  void messageOf_grpcStatusWithoutDescription_isTheCode() {
    var e = Status.UNAVAILABLE.asRuntimeException();
    assertThat(Main.messageOf(e)).isEqualTo("UNAVAILABLE");
    assertThat(Main.exitCodeOf(e)).isEqualTo(ExitCodes.UNAVAILABLE);
  }

  @Test
  void messageOf_unexpectedException_isMarkedUnexpectedAndExitsFailure() {
    var e = new IllegalStateException("boom");
    assertThat(Main.messageOf(e))
        .isEqualTo("unexpected error: java.lang.IllegalStateException: boom");
    assertThat(Main.exitCodeOf(e)).isEqualTo(ExitCodes.FAILURE);
  }

  @Test
  void userException_hasNoStackTrace() {
    assertThat(new UserException(ExitCodes.INVALID, "x").getStackTrace()).isEmpty();
  }
}
