package org.entente.coordinator.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
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
    DeadlineBoundCall<ReqT, RespT> bound = new DeadlineBoundCall<>(call, ctx);
    // A Context deadline alone ends nothing: handlers and ZooKeeper do not watch it. So when it
    // passes, the call itself is closed, as gRPC does for deadlines the client sent.
    ctx.addListener(
        c -> {
          if (c.getDeadline() != null && c.getDeadline().isExpired()) {
            bound.expire();
          }
        },
        Runnable::run);
    return Contexts.interceptCall(ctx, bound, headers, next);
  }

  /**
   * Serializes the handler's writes with the deadline's close, so the call is closed exactly once
   * and a handler that answers late is ignored rather than failing. Closing also cancels the
   * context, which releases its timer.
   */
  private static final class DeadlineBoundCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final Context.CancellableContext ctx;
    private boolean closed;

    DeadlineBoundCall(ServerCall<ReqT, RespT> delegate, Context.CancellableContext ctx) {
      super(delegate);
      this.ctx = ctx;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        super.close(status, trailers);
      }
      ctx.cancel(null);
    }

    void expire() {
      close(
          Status.DEADLINE_EXCEEDED.withDescription("server deadline for this call was exceeded"),
          new Metadata());
    }
  }
}
