package org.entente.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.leader.FencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one mapping from domain exceptions to gRPC status, and the unary helpers that use it. */
class StatusMapperTest {

  static Stream<Arguments> domainExceptions() {
    return Stream.of(
        Arguments.of(new ForbiddenException("nodes may not read"), Code.PERMISSION_DENIED),
        Arguments.of(new InvalidRequestException("nation", "bad"), Code.INVALID_ARGUMENT),
        Arguments.of(new NotFoundException("node DE/x is not connected"), Code.NOT_FOUND),
        Arguments.of(new ConflictException("list 3 is not newer than 5"), Code.FAILED_PRECONDITION),
        Arguments.of(new UnavailableException("ZooKeeper unreachable"), Code.UNAVAILABLE),
        Arguments.of(new FencedException("epoch 4 is no longer current"), Code.UNAVAILABLE));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("domainExceptions")
  void toStatus_domainException_mappedCodeWithItsMessage(RuntimeException e, Code code) {
    StatusRuntimeException s = StatusMapper.toStatus(e);

    assertThat(s.getStatus().getCode()).isEqualTo(code);
    assertThat(s.getStatus().getDescription()).isEqualTo(e.getMessage());
  }

  @Test
  void toStatus_invalidRequest_descriptionNamesTheField() {
    StatusRuntimeException s =
        StatusMapper.toStatus(new InvalidRequestException("register.resources.cpu_cores", "0"));

    assertThat(s.getStatus().getDescription()).startsWith("field 'register.resources.cpu_cores'");
  }

  @Test
  void toStatus_statusRuntimeException_passedThroughUnchanged() {
    StatusRuntimeException original =
        Status.UNAUTHENTICATED.withDescription("no certificate").asRuntimeException();

    assertThat(StatusMapper.toStatus(original)).isSameAs(original);
  }

  static Stream<Throwable> unknownFailures() {
    return Stream.of(
        new IllegalStateException("jdbc://admin:hunter2@db/secret"),
        new NullPointerException("hunter2 was null"),
        new StackOverflowError("hunter2 recursion"),
        new RuntimeException(new java.io.IOException("hunter2 in a cause")));
  }

  @ParameterizedTest
  @MethodSource("unknownFailures")
  void toStatus_unknownFailure_internalWithOpaqueDescription(Throwable t) {
    StatusRuntimeException s = StatusMapper.toStatus(t);

    assertThat(s.getStatus().getCode()).isEqualTo(Code.INTERNAL);
    assertThat(s.getStatus().getDescription())
        .startsWith("internal error (ref ")
        .doesNotContain("hunter2")
        .doesNotContain(t.getClass().getSimpleName())
        .doesNotContain(t.getClass().getName());
    assertThat(s.getStatus().getCause()).isNull();
    assertThat(s.getCause()).isNull();
  }

  @Test
  void unary_handlerThrowsDomainException_callerGetsMappedStatusOnly() {
    Recorder<String> out = new Recorder<>();

    Calls.unary(
        out,
        () -> {
          throw new NotFoundException("node DE/gpu-9 is not connected");
        });

    assertThat(out.values).isEmpty();
    assertThat(out.error().getStatus().getCode()).isEqualTo(Code.NOT_FOUND);
    assertThat(out.completed).isFalse();
  }

  @Test
  void unary_handlerReturns_valueThenCompleted() {
    Recorder<String> out = new Recorder<>();

    Calls.unary(out, () -> "ok");

    assertThat(out.values).containsExactly("ok");
    assertThat(out.completed).isTrue();
    assertThat(out.errors).isEmpty();
  }

  @Test
  void async_futureFailsWithWrappedDomainException_unwrappedAndMapped() {
    Recorder<String> out = new Recorder<>();
    CompletableFuture<String> pending = new CompletableFuture<>();

    Calls.async(out, () -> pending);
    pending.completeExceptionally(
        new CompletionException(new ConflictException("another list was published")));

    assertThat(out.error().getStatus().getCode()).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(out.error().getStatus().getDescription()).isEqualTo("another list was published");
  }

  @Test
  void async_futureFailsWithUnknownError_internalWithoutDetails() {
    Recorder<String> out = new Recorder<>();

    Calls.async(out, () -> CompletableFuture.failedFuture(new IllegalArgumentException("hunter2")));

    assertThat(out.error().getStatus().getCode()).isEqualTo(Code.INTERNAL);
    assertThat(out.error().getStatus().getDescription()).doesNotContain("hunter2");
  }

  /** A plain observer that records what a handler answered. */
  private static final class Recorder<T> implements StreamObserver<T> {
    final List<T> values = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    boolean completed;

    @Override
    public void onNext(T value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    StatusRuntimeException error() {
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0)).isInstanceOf(StatusRuntimeException.class);
      return (StatusRuntimeException) errors.get(0);
    }
  }
}
