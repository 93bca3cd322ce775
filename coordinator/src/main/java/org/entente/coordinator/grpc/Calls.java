package org.entente.coordinator.grpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;

/** Runs unary handlers so that every failure reaches the caller through {@link StatusMapper}. */
public final class Calls {
  private Calls() {}

  /** Answers with the handler's result, or its failure as a status. */
  public static <T> void unary(StreamObserver<T> out, Callable<T> handler) {
    T result;
    try {
      result = handler.call();
    } catch (Exception | Error e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  /** Answers when the handler's future completes. */
  public static <T> void async(StreamObserver<T> out, Callable<CompletionStage<T>> handler) {
    CompletionStage<T> stage;
    try {
      stage = handler.call();
    } catch (Exception | Error e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    stage.whenComplete(
        (r, e) -> {
          if (e != null) {
            out.onError(StatusMapper.toStatus(unwrap(e)));
          } else {
            out.onNext(r);
            out.onCompleted();
          }
        });
  }

  /** Strips the completion wrappers Java's futures add. */
  public static Throwable unwrap(Throwable e) {
    while ((e instanceof java.util.concurrent.CompletionException
            || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
