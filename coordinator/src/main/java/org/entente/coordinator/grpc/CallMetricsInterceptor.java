package org.entente.coordinator.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every call the server ends by method and status code, and times unary calls. Install it
 * outermost (last {@code intercept}), so calls refused by the interceptors inside it, such as an
 * unverifiable peer's UNAUTHENTICATED or an expired deadline, are counted under their code too. A
 * call the client cancels counts as CANCELLED. Methods the server does not implement never reach
 * interceptors, so the method label only takes the names of the services served. Thread-safe.
 */
public final class CallMetricsInterceptor implements ServerInterceptor {
  private final Counter calls;
  private final Histogram seconds;

  /**
   * @param calls labelled {@code method, code}
   * @param seconds labelled {@code method}
   */
  public CallMetricsInterceptor(Counter calls, Histogram seconds) {
    this.calls = calls;
    this.seconds = seconds;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Ended ended =
        new Ended(
            call.getMethodDescriptor().getFullMethodName(),
            call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY,
            System.nanoTime());
    ServerCall<ReqT, RespT> counted =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            ended.record(status.getCode());
            super.close(status, trailers);
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        ended.record(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** Records a call once, however it ends (closed by the server, or cancelled). */
  private final class Ended {
    private final String method;
    private final boolean timed;
    private final long startNanos;
    private final AtomicBoolean once = new AtomicBoolean();

    Ended(String method, boolean timed, long startNanos) {
      this.method = method;
      this.timed = timed;
      this.startNanos = startNanos;
    }

    void record(Status.Code code) {
      if (once.compareAndSet(false, true)) {
        calls.labelValues(method, code.name()).inc();
        if (timed) {
          seconds.labelValues(method).observe((System.nanoTime() - startNanos) / 1e9);
        }
      }
    }
  }
}
