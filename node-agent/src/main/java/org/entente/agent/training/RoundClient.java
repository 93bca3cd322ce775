package org.entente.agent.training;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.proto.model.ModelFile;
import org.entente.proto.model.ValueChunks;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundResultHeader;
import org.entente.proto.v1.RoundUpdateHeader;
import org.entente.proto.v1.RoundUpload;
import org.entente.proto.v1.TrainingServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a shard's parameters to the coordinators at the end of a round and waits for the average
 * (TrainingService.ExchangeRound over the agent's mTLS channel). While no leader is reachable
 * (UNAVAILABLE: failover, a reconnect) it sends again with backoff for up to {@code patience}; any
 * other refusal ends the exchange with its reason. Interrupting the calling thread cancels the
 * call. Thread-safe.
 */
public final class RoundClient {
  private static final Logger log = LoggerFactory.getLogger(RoundClient.class);

  /**
   * The longest a round can keep a shard waiting: four round timeouts of at most an hour, while it
   * waits for its quorum, and the time to store it. An answer lost on the way cannot hold a shard
   * for longer.
   */
  static final Duration ROUND_DEADLINE = Duration.ofHours(4).plusMinutes(5);

  private final Supplier<Channel> channel;
  private final Duration patience;

  public RoundClient(Supplier<Channel> channel, Duration patience) {
    this.channel = channel;
    this.patience = patience;
  }

  /** Sends {@code u} and returns the round's average. */
  public RoundResult exchange(RoundUpdate u) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    long backoffMs = 200;
    while (true) {
      try {
        return once(u);
      } catch (StatusRuntimeException e) {
        Status s = e.getStatus();
        String why = s.getDescription() == null ? s.getCode().toString() : s.getDescription();
        if (s.getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw new IOException(
              "round "
                  + u.round()
                  + " of job "
                  + u.jobId()
                  + " failed: "
                  + s.getCode()
                  + ": "
                  + why);
        }
        log.info(
            "round {} of {}: {}; sending again in {} ms", u.round(), u.jobId(), why, backoffMs);
        Thread.sleep(backoffMs); // backoff between attempts, not synchronisation
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }

  private RoundResult once(RoundUpdate u) throws InterruptedException {
    CompletableFuture<RoundResult> result = new CompletableFuture<>();
    Answer answer = new Answer(result);
    var up =
        TrainingServiceGrpc.newStub(channel.get())
            .withDeadlineAfter(ROUND_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .exchangeRound(answer);
    try {
      up.onNext(RoundUpload.newBuilder().setHeader(header(u)).build());
      for (var c : ValueChunks.split(u.values())) {
        up.onNext(RoundUpload.newBuilder().setChunk(c).build());
      }
      up.onCompleted();
      return result.get();
    } catch (InterruptedException e) {
      answer.cancel("the shard was stopped");
      throw e;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw Status.INTERNAL.withDescription(String.valueOf(e.getCause())).asRuntimeException();
    } catch (RuntimeException e) {
      answer.cancel("sending failed");
      throw e;
    }
  }

  private static RoundUpdateHeader header(RoundUpdate u) {
    return RoundUpdateHeader.newBuilder()
        .setJobId(u.jobId())
        .setShard(u.shard())
        .setAttempt(u.attempt())
        .setRound(u.round())
        .setExamples(u.examples())
        .setLoss(u.loss())
        .setModel(u.model())
        .setComputeMs(u.computeMs())
        .build();
  }

  /** Collects the answer: a header, then the values. */
  private static final class Answer implements ClientResponseObserver<RoundUpload, RoundDownload> {
    private final CompletableFuture<RoundResult> result;
    private ClientCallStreamObserver<RoundUpload> call;
    private RoundResultHeader header;
    private ValueChunks.Assembler values;

    Answer(CompletableFuture<RoundResult> result) {
      this.result = result;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<RoundUpload> c) {
      call = c;
    }

    void cancel(String why) {
      call.cancel(why, null);
    }

    @Override
    public void onNext(RoundDownload m) {
      try {
        if (m.hasHeader()) {
          header = m.getHeader();
          long expected = header.getValueCount();
          if (expected > ModelFile.MAX_VALUES) {
            throw new IllegalArgumentException("answer announces " + expected + " values");
          }
          values = new ValueChunks.Assembler(expected);
        } else if (values == null) {
          throw new IllegalArgumentException("answer values came before its header");
        } else {
          values.add(m.getChunk());
        }
      } catch (IllegalArgumentException e) {
        result.completeExceptionally(
            Status.INTERNAL.withDescription("bad answer: " + e.getMessage()).asRuntimeException());
        cancel("bad answer");
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(
          t instanceof StatusRuntimeException ? t : Status.fromThrowable(t).asRuntimeException());
    }

    @Override
    public void onCompleted() {
      if (header == null) {
        result.completeExceptionally(
            Status.INTERNAL.withDescription("the answer had no header").asRuntimeException());
        return;
      }
      try {
        result.complete(
            new RoundResult(
                header.getRound(),
                header.getIncluded(),
                header.getContributors(),
                header.getExamples(),
                header.getLoss(),
                header.getCheckpoint(),
                values.complete()));
      } catch (IllegalArgumentException e) {
        result.completeExceptionally(
            Status.INTERNAL.withDescription("bad answer: " + e.getMessage()).asRuntimeException());
      }
    }
  }
}
