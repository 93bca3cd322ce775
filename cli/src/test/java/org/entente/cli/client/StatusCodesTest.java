package org.entente.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.EnumSet;
import java.util.Map;
import org.entente.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StatusCodesTest {
  private static final Map<Status.Code, Integer> EXPECTED =
      Map.ofEntries(
          Map.entry(Status.Code.OK, ExitCodes.OK),
          Map.entry(Status.Code.UNAVAILABLE, ExitCodes.UNAVAILABLE),
          Map.entry(Status.Code.DEADLINE_EXCEEDED, ExitCodes.UNAVAILABLE),
          Map.entry(Status.Code.UNAUTHENTICATED, ExitCodes.DENIED),
          Map.entry(Status.Code.PERMISSION_DENIED, ExitCodes.DENIED),
          Map.entry(Status.Code.NOT_FOUND, ExitCodes.NOT_FOUND),
          Map.entry(Status.Code.INVALID_ARGUMENT, ExitCodes.INVALID),
          Map.entry(Status.Code.OUT_OF_RANGE, ExitCodes.INVALID),
          Map.entry(Status.Code.FAILED_PRECONDITION, ExitCodes.CONFLICT),
          Map.entry(Status.Code.ALREADY_EXISTS, ExitCodes.CONFLICT),
          Map.entry(Status.Code.ABORTED, ExitCodes.CONFLICT),
          Map.entry(Status.Code.CANCELLED, ExitCodes.FAILURE),
          Map.entry(Status.Code.UNKNOWN, ExitCodes.FAILURE),
          Map.entry(Status.Code.RESOURCE_EXHAUSTED, ExitCodes.FAILURE),
          Map.entry(Status.Code.UNIMPLEMENTED, ExitCodes.FAILURE),
          Map.entry(Status.Code.INTERNAL, ExitCodes.FAILURE),
          Map.entry(Status.Code.DATA_LOSS, ExitCodes.FAILURE));

  @Test
  void expectedTable_coversEveryGrpcCode() {
    assertThat(EXPECTED.keySet())
        .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(Status.Code.class));
  }

  @ParameterizedTest
  @EnumSource(Status.Code.class)
  void exitCode_everyGrpcCode_mapsToDocumentedExitCode(Status.Code code) {
    assertThat(StatusCodes.exitCode(code)).isEqualTo(EXPECTED.get(code));
  }

  @ParameterizedTest
  @EnumSource(Status.Code.class)
  void retryable_everyGrpcCode_onlyOutagesAreRetried(Status.Code code) {
    boolean outage = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    assertThat(StatusCodes.retryable(code)).isEqualTo(outage);
  }
}
