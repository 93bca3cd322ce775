package org.entente.coordinator.training;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.proto.model.ModelFile;
import org.entente.proto.model.ValueChunks;
import org.entente.proto.v1.RoundDownload;
import org.entente.proto.v1.RoundResultHeader;
import org.entente.proto.v1.RoundUpdateHeader;
import org.entente.proto.v1.RoundUpload;

/**
 * The wire form of round updates and answers: a header, then float32 little-endian values in
 * chunks, so that parameters never travel as one large message.
 */
public final class RoundUploads {
  private RoundUploads() {}

  /**
   * Collects one upload: {@code admit} judges the header before anything is taken in (it throws to
   * refuse), then {@code done} gets the header and values once the client has sent them all, or
   * {@code failed} what is wrong (header missing or repeated, more or fewer values than the layout
   * holds, a refused header).
   */
  public static StreamObserver<RoundUpload> collector(
      Consumer<RoundUpdateHeader> admit,
      BiConsumer<RoundUpdateHeader, float[]> done,
      Consumer<Throwable> failed) {
    return new StreamObserver<>() {
      private RoundUpdateHeader header;
      private ValueChunks.Assembler values;
      private boolean over;

      @Override
      public void onNext(RoundUpload m) {
        if (over) {
          return;
        }
        try {
          if (m.hasHeader()) {
            if (header != null) {
              throw new InvalidRequestException("header", "sent twice");
            }
            long n;
            try {
              n = ModelFile.valueCount(m.getHeader().getModel().getLayout());
            } catch (IllegalArgumentException | ArithmeticException e) {
              throw new InvalidRequestException("header.model.layout", e.getMessage());
            }
            admit.accept(m.getHeader());
            header = m.getHeader();
            values = new ValueChunks.Assembler(n);
          } else {
            if (header == null) {
              throw new InvalidRequestException("header", "the first message must be the header");
            }
            try {
              values.add(m.getChunk());
            } catch (IllegalArgumentException e) {
              throw new InvalidRequestException("chunk", e.getMessage());
            }
          }
        } catch (RuntimeException e) {
          over = true;
          failed.accept(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        over = true;
      }

      @Override
      public void onCompleted() {
        if (over) {
          return;
        }
        over = true;
        if (header == null) {
          failed.accept(new InvalidRequestException("header", "no update was sent"));
        } else {
          float[] all;
          try {
            all = values.complete();
          } catch (IllegalArgumentException e) {
            failed.accept(new InvalidRequestException("chunk", e.getMessage()));
            return;
          }
          done.accept(header, all);
        }
      }
    };
  }

  /** Sends an update: the header, then the values in chunks, then completes. */
  public static void send(StreamObserver<RoundUpload> out, RoundUpdateHeader h, float[] values) {
    out.onNext(RoundUpload.newBuilder().setHeader(h).build());
    for (ByteString c : ValueChunks.split(values)) {
      out.onNext(RoundUpload.newBuilder().setChunk(c).build());
    }
    out.onCompleted();
  }

  /** Sends an answer: the header, then the values in chunks, then completes. */
  public static void answer(
      StreamObserver<RoundDownload> out, RoundResultHeader h, float[] values) {
    out.onNext(RoundDownload.newBuilder().setHeader(h).build());
    for (ByteString c : ValueChunks.split(values)) {
      out.onNext(RoundDownload.newBuilder().setChunk(c).build());
    }
    out.onCompleted();
  }
}
