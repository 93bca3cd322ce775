package org.entente.coordinator.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary call a deadline: the default when the client set none, the maximum when the
 * client asked for more. Streaming calls (agent streams) live as long as their connection.
 * Thread-safe.
 */
public final class DeadlineInterceptor implements ServerInterceptor {
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "entente-deadlines");
            t.setDaemon(true);
            return t;
          });

  private final ServerLimits limits;

  public DeadlineInterceptor(ServerLimits limits) {
    this.limits = limits;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    Deadline max = Deadline.after(limits.maxDeadline().toMillis(), TimeUnit.MILLISECONDS);
    Deadline current = Context.current().getDeadline();
    Deadline effective;
    if (current == null) {
      effective = Deadline.after(limits.defaultDeadline().toMillis(), TimeUnit.MILLISECONDS);
    } else {
      effective = current.minimum(max);
    }
    Context.CancellableContext ctx = Context.current().withDeadline(effective, TIMER);
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}
