package org.entente.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.entente.proto.v1.AgentGatewayGrpc;
import org.entente.proto.v1.AgentMessage;
import org.entente.proto.v1.CoordinatorMessage;
import org.entente.proto.v1.FederationServiceGrpc;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.ListNodesResponse;
import org.entente.proto.v1.Registered;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deadline every unary call gets, observed by a real handler behind the interceptor on an
 * in-process gRPC server: the handler reports the deadline it sees.
 */
class DeadlineInterceptorTest {
  private static final Duration DEFAULT = Duration.ofSeconds(6);
  private static final Duration MAX = Duration.ofSeconds(30);

  /** Time a loaded machine may take between the interceptor and the handler. */
  private static final long SLACK_MS = 2500;

  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void startServer() throws Exception {
    start(DEFAULT, MAX);
  }

  /** (Re)starts the probe server behind an interceptor with these limits. */
  private void start(Duration defaultDeadline, Duration maxDeadline) throws Exception {
    if (server != null) {
      stopServer();
    }
    ServerLimits d = ServerLimits.defaults();
    ServerLimits limits =
        new ServerLimits(
            d.maxInboundMessageBytes(),
            d.maxInboundMetadataBytes(),
            d.maxConcurrentCallsPerConnection(),
            d.keepAliveTime(),
            d.keepAliveTimeout(),
            d.permitKeepAliveTime(),
            d.maxConnectionIdle(),
            d.maxConnectionAge(),
            d.maxConnectionAgeGrace(),
            d.handshakeTimeout(),
            defaultDeadline,
            maxDeadline);
    DeadlineInterceptor interceptor = new DeadlineInterceptor(limits);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(new DeadlineProbe(), interceptor))
            .addService(ServerInterceptors.intercept(new StreamProbe(), interceptor))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stopServer() throws Exception {
    channel.shutdownNow();
    server.shutdownNow();
    assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(server.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  /** Remaining milliseconds of the deadline the handler saw (-1: none). */
  private long seenByHandler(FederationServiceGrpc.FederationServiceBlockingStub stub) {
    return Long.parseLong(
        stub.getFederation(GetFederationRequest.getDefaultInstance()).getAnsweredBy());
  }

  @Test
  void unaryCall_withoutDeadline_getsTheDefault() {
    long remaining = seenByHandler(FederationServiceGrpc.newBlockingStub(channel));

    assertThat(remaining).isBetween(DEFAULT.toMillis() - SLACK_MS, DEFAULT.toMillis());
  }

  @Test
  void unaryCall_deadlineBeyondMaximum_clampedToMaximum() {
    long remaining =
        seenByHandler(
            FederationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.HOURS));

    assertThat(remaining).isBetween(MAX.toMillis() - SLACK_MS, MAX.toMillis());
  }

  @Test
  void unaryCall_deadlineWithinMaximum_keptAsAsked() {
    long remaining =
        seenByHandler(
            FederationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS));

    assertThat(remaining).isBetween(10_000 - SLACK_MS, 10_000L);
  }

  @Test
  void unaryCall_shortDeadline_notExtendedToTheDefault() {
    long remaining =
        seenByHandler(
            FederationServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(500, TimeUnit.MILLISECONDS));

    assertThat(remaining).isBetween(0L, 500L);
  }

  @Test
  void unaryCall_withoutDeadlineHandlerNeverAnswers_endedDeadlineExceededAtTheDefault()
      throws Exception {
    Duration shortDefault = Duration.ofSeconds(1);
    start(shortDefault, MAX);
    long start = System.nanoTime();
    var pending =
        FederationServiceGrpc.newFutureStub(channel)
            .listNodes(ListNodesRequest.getDefaultInstance());

    Throwable failure =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> pending.get(shortDefault.toMillis() + 5000, TimeUnit.MILLISECONDS));
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(failure)
        .as("the call must be ended by the server's default deadline, not left hanging")
        .isInstanceOf(java.util.concurrent.ExecutionException.class);
    assertThat(io.grpc.Status.fromThrowable(failure).getCode())
        .isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED);
    assertThat(tookMs).isBetween(shortDefault.toMillis(), shortDefault.toMillis() + SLACK_MS);
    pending.cancel(true);
  }

  @Test
  void streamingCall_withoutDeadline_leftWithoutOne() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    StreamObserver<AgentMessage> up =
        AgentGatewayGrpc.newStub(channel)
            .connect(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CoordinatorMessage m) {
                    seen.complete(m.getRegistered().getSessionId());
                  }

                  @Override
                  public void onError(Throwable t) {
                    seen.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    up.onNext(AgentMessage.getDefaultInstance());

    assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("-1");
    up.onCompleted();
  }

  /** Answers GetFederation with the remaining milliseconds of the call's deadline. */
  private static final class DeadlineProbe extends FederationServiceGrpc.FederationServiceImplBase {
    @Override
    public void getFederation(GetFederationRequest req, StreamObserver<FederationStatus> out) {
      out.onNext(FederationStatus.newBuilder().setAnsweredBy(Long.toString(remaining())).build());
      out.onCompleted();
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
      // Never answers: only a deadline can end this call.
    }
  }

  /** Answers the first agent message with the stream's deadline, as a session id. */
  private static final class StreamProbe extends AgentGatewayGrpc.AgentGatewayImplBase {
    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> out) {
      long remaining = remaining();
      return new StreamObserver<>() {
        @Override
        public void onNext(AgentMessage m) {
          out.onNext(
              CoordinatorMessage.newBuilder()
                  .setRegistered(Registered.newBuilder().setSessionId(Long.toString(remaining)))
                  .build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  private static long remaining() {
    Deadline d = Context.current().getDeadline();
    return d == null ? -1 : d.timeRemaining(TimeUnit.MILLISECONDS);
  }
}
