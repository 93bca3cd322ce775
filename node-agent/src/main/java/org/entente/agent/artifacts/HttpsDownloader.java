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
import javax.net.ssl.SSLContext;
import org.entente.agent.shards.ArtifactException;

/**
 * Downloads {@code https:} artifacts into their cache place: the body is written to a {@link
 * VerifiedFile} as it arrives and committed only if it hashes to the declared digest. The size
 * limit is checked against {@code Content-Length} before any byte is kept and again as bytes
 * arrive. The body is pushed to a subscriber rather than read from a stream, so that interrupting
 * the waiting thread really stops the download (the JDK's body stream ignores interrupts).
 * Thread-safe.
 */
final class HttpsDownloader {
  private final HttpClient http;
  private final long maxBytes;

  HttpsDownloader(SSLContext trust, long maxBytes) {
    this.maxBytes = maxBytes;
    this.http =
        HttpClient.newBuilder()
            .sslContext(trust)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  Path download(String label, URI uri, String sha256, Path target)
      throws IOException, InterruptedException {
    try (VerifiedFile file = VerifiedFile.beside(target)) {
      Body body = new Body(label, uri, file);
      CompletableFuture<HttpResponse<Void>> call =
          http.sendAsync(HttpRequest.newBuilder(uri).GET().build(), body::subscriber);
      try {
        call.get();
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

    Body(String label, URI uri, VerifiedFile file) {
      this.label = label;
      this.uri = uri;
      this.file = file;
    }

    HttpResponse.BodySubscriber<Void> subscriber(HttpResponse.ResponseInfo info) {
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
