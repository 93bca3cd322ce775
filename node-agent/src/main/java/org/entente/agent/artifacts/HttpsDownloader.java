package org.entente.agent.artifacts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.entente.agent.shards.ArtifactException;

/**
 * Downloads {@code https:} artifacts into their cache place: the body is written to a {@link
 * VerifiedFile} as it arrives and committed only if it hashes to the declared digest. The size
 * limit is checked against {@code Content-Length} before any byte is kept and again as bytes
 * arrive. The body is pushed to a subscriber rather than read from a stream, so that interrupting
 * the waiting thread really stops the download (the JDK's body stream ignores interrupts).
 *
 * <p>A download that receives nothing for the idle timeout fails: the request's own timeout covers
 * only the wait for the headers, so the waiting thread watches the body's progress itself and
 * cancels the exchange when it stalls. Thread-safe.
 */
final class HttpsDownloader {
  /** How long a download may go without receiving a byte (headers included) before it fails. */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient http;
  private final long maxBytes;
  private final Duration idleTimeout;

  HttpsDownloader(SSLContext trust, long maxBytes, Duration idleTimeout) {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
    }
    this.maxBytes = maxBytes;
    this.idleTimeout = idleTimeout;
    this.http =
        HttpClient.newBuilder()
            .sslContext(trust)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /**
   * Downloads {@code uri} into the cache entry {@code target} if it hashes to {@code sha256}.
   *
   * @throws ArtifactException naming {@code label}: an HTTP error, too large, stalled for the idle
   *     timeout, a digest mismatch
   */
  Path download(String label, URI uri, String sha256, Path target)
      throws IOException, InterruptedException {
    try (VerifiedFile file = VerifiedFile.cacheEntry(target)) {
      Body body = new Body(label, uri, file);
      CompletableFuture<HttpResponse<Void>> call =
          http.sendAsync(HttpRequest.newBuilder(uri).GET().build(), body::subscriber);
      try {
        awaitWhileReceiving(call, body);
      } catch (TimeoutException e) {
        body.cancel();
        call.cancel(true);
        throw new ArtifactException(
            label
                + ": "
                + uri
                + ": nothing received for "
                + (idleTimeout.toMillis() % 1000 == 0
                    ? idleTimeout.toSeconds() + " s"
                    : idleTimeout.toMillis() + " ms")
                + "; download abandoned, nothing was kept");
      } catch (InterruptedException e) {
        body.cancel();
        call.cancel(true);
        throw new InterruptedException(label + ": interrupted while downloading " + uri);
      } catch (ExecutionException e) {
        Throwable cause =
            e.getCause() instanceof java.util.concurrent.CompletionException c
                    && c.getCause() != null
                ? c.getCause()
                : e.getCause();
        if (cause instanceof ArtifactException a) {
          throw a;
        }
        throw new ArtifactException(label + ": " + uri + ": " + describe(cause), cause);
      }
      file.commit(sha256, label);
      return target;
    }
  }

  /**
   * Waits for {@code call} to end, as long as bytes keep arriving.
   *
   * @throws TimeoutException if nothing arrived for the idle timeout
   */
  private void awaitWhileReceiving(CompletableFuture<HttpResponse<Void>> call, Body body)
      throws InterruptedException, ExecutionException, TimeoutException {
    long idleNanos = idleTimeout.toNanos();
    while (true) {
      long left = idleNanos - (System.nanoTime() - body.lastProgressNanos());
      if (left <= 0) {
        throw new TimeoutException();
      }
      try {
        call.get(left, TimeUnit.NANOSECONDS);
        return;
      } catch (TimeoutException e) {
        // Bytes may have arrived meanwhile; the loop looks again.
      }
    }
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** Receives one response body into the file, within the size limit. */
  private final class Body implements HttpResponse.BodySubscriber<Void> {
    private final String label;
    private final URI uri;
    private final VerifiedFile file;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    private volatile long lastProgressNanos = System.nanoTime();

    Body(String label, URI uri, VerifiedFile file) {
      this.label = label;
      this.uri = uri;
      this.file = file;
    }

    /** When the request was sent or the latest bytes arrived ({@link System#nanoTime}). */
    long lastProgressNanos() {
      return lastProgressNanos;
    }

    HttpResponse.BodySubscriber<Void> subscriber(HttpResponse.ResponseInfo info) {
      lastProgressNanos = System.nanoTime();
      if (info.statusCode() != 200) {
        return refuse(label + ": " + uri + ": HTTP " + info.statusCode());
      }
      OptionalLong length = info.headers().firstValueAsLong("content-length");
      if (length.isPresent() && length.getAsLong() > maxBytes) {
        return refuse(tooLarge("declares " + length.getAsLong() + " bytes"));
      }
      return this;
    }

    /** A subscriber that drops the body unread and fails the download with {@code why}. */
    private HttpResponse.BodySubscriber<Void> refuse(String why) {
      CompletableFuture<Void> failed = CompletableFuture.failedFuture(new ArtifactException(why));
      return new HttpResponse.BodySubscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription s) {
          s.cancel();
        }

        @Override
        public void onNext(List<ByteBuffer> items) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onComplete() {}

        @Override
        public CompletionStage<Void> getBody() {
          return failed;
        }
      };
    }

    private String tooLarge(String what) {
      return label
          + ": "
          + uri
          + " "
          + what
          + ", more than this agent's download limit of "
          + maxBytes
          + " bytes; nothing was kept";
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (cancelled || done.isDone()) {
        return;
      }
      lastProgressNanos = System.nanoTime();
      try {
        for (ByteBuffer b : items) {
          if (file.size() + b.remaining() > maxBytes) {
            throw new ArtifactException(tooLarge("sends more"));
          }
          file.write(b);
        }
        subscription.request(1);
      } catch (IOException e) {
        done.completeExceptionally(e);
        subscription.cancel();
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }

    @Override
    public CompletionStage<Void> getBody() {
      return done;
    }
  }
}
