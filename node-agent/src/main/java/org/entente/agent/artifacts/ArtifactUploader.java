package org.entente.agent.artifacts;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.ShardOutput;

/**
 * Stores shard outputs in the coordinators' artifact store over the agent's mTLS channel: the file
 * is hashed, then sent with its digest and size in chunks; the replica verifies it and copies it to
 * the other replicas before answering. Thread-safe.
 */
public final class ArtifactUploader {
  private final ArtifactClient store;

  /**
   * @param coordinator the agent's mTLS channel to its replica
   */
  public ArtifactUploader(Supplier<Channel> coordinator) {
    this.store = new ArtifactClient(coordinator);
  }

  /**
   * Uploads {@code file}.
   *
   * @return its digest and size ({@code rows} left 0 for the caller)
   * @throws IOException if the file cannot be read, or the replica refused or could not be reached
   *     (the message says which, with the status)
   */
  public ShardOutput upload(Path file) throws IOException, InterruptedException {
    ArtifactInfo info;
    try {
      info = store.put(file, n -> {});
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      throw new IOException(
          "upload of "
              + file.getFileName()
              + " failed: "
              + s.getCode()
              + (s.getDescription() == null ? "" : ": " + s.getDescription()),
          e);
    }
    return ShardOutput.newBuilder()
        .setSha256(info.getSha256())
        .setSizeBytes(info.getSizeBytes())
        .build();
  }
}
