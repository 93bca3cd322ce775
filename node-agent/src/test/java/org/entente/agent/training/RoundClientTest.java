package org.entente.agent.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.proto.model.ValueChunks;
import org.entente.proto.v1.Checkpoint;
import org.entente.proto.v1.ModelHeader;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundResultHeader;
import org.entente.proto.v1.RoundUpdateHeader;
import org.entente.proto.v1.RoundUpload;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;
import org.entente.proto.v1.TrainingServiceGrpc;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.IdentityInterceptor;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of a FedAvg round against a TrainingService of our own over real mTLS, scripted
 * per test: what it sends, what it does when no leader answers, and how a stopped shard leaves a
 * round it is waiting on.
 */
class RoundClientTest {
  private static final int VALUES = 100_000; // more than one 64 Ki-value chunk each way

  /** One received update: its header and values, and where to answer. */
  private record Call(
      RoundUpdateHeader header, float[] values, StreamObserver<RoundDownload> out, Context ctx) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile BiConsumer<Integer, Call> script = (n, c) -> {};
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE");
    KeyMaterial serverKeys =
        pki.issue(new Identity("DE", Role.COORDINATOR, "coordinator"), "127.0.0.1");
    KeyMaterial node = pki.issue(new Identity("DE", Role.NODE, "gpu-01"));
    FederationTrust trust = pki.trust();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(
                org.entente.security.TlsContexts.server(serverKeys, trust, Clock.systemUTC()))
            .maxInboundMessageSize(1 << 20)
            .intercept(new IdentityInterceptor(trust, Clock.systemUTC()))
            .addService(new Scripted())
            .build()
            .start();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .sslContext(
                org.entente.security.TlsContexts.client(
                    node, trust, Clock.systemUTC(), Set.of(Role.COORDINATOR)))
            .maxInboundMessageSize(1 << 20)
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Scripted extends TrainingServiceGrpc.TrainingServiceImplBase {
    @Override
    public StreamObserver<RoundUpload> exchangeRound(StreamObserver<RoundDownload> out) {
      Context ctx = Context.current();
      return new StreamObserver<>() {
        RoundUpdateHeader header;
        ValueChunks.Assembler values;

        @Override
        public void onNext(RoundUpload m) {
          if (m.hasHeader()) {
            header = m.getHeader();
            values = new ValueChunks.Assembler(VALUES);
          } else {
            values.add(m.getChunk());
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          Call c = new Call(header, values.complete(), out, ctx);
          calls.add(c);
          script.accept(calls.size(), c);
        }
      };
    }
  }

  private static RoundUpdate update() {
    float[] v = new float[VALUES];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0.5f - 7f;
    }
    ModelHeader model =
        ModelHeader.newBuilder()
            .setArchitecture("mlp")
            .setLayout(
                TensorLayout.newBuilder()
                    .addTensors(TensorInfo.newBuilder().setName("w").addShape(VALUES)))
            .build();
    return new RoundUpdate("j1-1", 2, 3, 4, 500, 0.25, model, v, 12);
  }

  private static void answer(Call c, float[] average) {
    c.out()
        .onNext(
            RoundDownload.newBuilder()
                .setHeader(
                    RoundResultHeader.newBuilder()
                        .setRound(4)
                        .setIncluded(true)
                        .setContributors(3)
                        .setExamples(1500)
                        .setCheckpoint(Checkpoint.newBuilder().setRound(4).setSha256("ab"))
                        .setValueCount(average.length))
                .build());
    for (var chunk : ValueChunks.split(average)) {
      c.out().onNext(RoundDownload.newBuilder().setChunk(chunk).build());
    }
    c.out().onCompleted();
  }

  @Test
  void exchange_sendsTheUpdateInChunks_andRetriesWhileNoLeaderAnswers() throws Exception {
    float[] average = new float[VALUES];
    for (int i = 0; i < average.length; i++) {
      average[i] = -i;
    }
    script =
        (n, c) -> {
          if (n == 1) {
            c.out()
                .onError(
                    Status.UNAVAILABLE.withDescription("no leader elected").asRuntimeException());
          } else {
            answer(c, average);
          }
        };
    RoundUpdate u = update();
    RoundResult r = new RoundClient(() -> channel, Duration.ofSeconds(30)).exchange(u);

    assertThat(calls).hasSize(2);
    Call sent = calls.get(1);
    assertThat(sent.header().getJobId()).isEqualTo("j1-1");
    assertThat(sent.header().getShard()).isEqualTo(2);
    assertThat(sent.header().getAttempt()).isEqualTo(3);
    assertThat(sent.header().getRound()).isEqualTo(4);
    assertThat(sent.header().getExamples()).isEqualTo(500);
    assertThat(sent.values()).containsExactly(u.values());
    assertThat(r.round()).isEqualTo(4);
    assertThat(r.contributors()).isEqualTo(3);
    assertThat(r.checkpoint().getSha256()).isEqualTo("ab");
    assertThat(r.values()).containsExactly(average);
  }

  @Test
  void exchange_refusedForGood_failsWithTheReason_withoutRetrying() {
    script =
        (n, c) ->
            c.out()
                .onError(
                    Status.FAILED_PRECONDITION
                        .withDescription("round 4 had updates from 1 of 3 shards")
                        .asRuntimeException());
    assertThatThrownBy(
            () -> new RoundClient(() -> channel, Duration.ofSeconds(30)).exchange(update()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("FAILED_PRECONDITION")
        .hasMessageContaining("1 of 3 shards");
    assertThat(calls).hasSize(1);
  }

  @Test
  void exchange_waitingOnARound_stopsAtOnceWhenTheShardIsStopped_andCancelsTheCall()
      throws Exception {
    AtomicBoolean cancelledAtServer = new AtomicBoolean();
    CountDownLatch received = new CountDownLatch(1);
    script =
        (n, c) -> {
          c.ctx().addListener(ctx -> cancelledAtServer.set(true), Runnable::run);
          received.countDown(); // and never answer: the round waits for others
        };
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread shard =
        new Thread(
            () -> {
              try {
                new RoundClient(() -> channel, Duration.ofSeconds(30)).exchange(update());
                outcome.complete(null);
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    shard.start();
    assertThat(received.await(20, TimeUnit.SECONDS)).isTrue();
    long stoppedAt = System.nanoTime();
    shard.interrupt();
    assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(5)).untilTrue(cancelledAtServer);
  }
}
