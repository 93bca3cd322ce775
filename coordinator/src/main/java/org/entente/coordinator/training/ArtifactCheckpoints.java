package org.entente.coordinator.training;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.Optional;
import org.entente.coordinator.artifacts.ArtifactStore;
import org.entente.coordinator.artifacts.ReplicatedArtifacts;
import org.entente.coordinator.errors.UnavailableException;
import org.entente.coordinator.model.TrainingRecord.CheckpointRef;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.ArtifactInfo;

/**
 * Checkpoints as model files in the replicated artifact store. A checkpoint counts as stored only
 * once another live replica holds a verified copy too, so losing the leader loses no checkpoint.
 */
public final class ArtifactCheckpoints implements CheckpointStore {
  private final ReplicatedArtifacts artifacts;

  public ArtifactCheckpoints(ReplicatedArtifacts artifacts) {
    this.artifacts = artifacts;
  }

  @Override
  public CheckpointRef store(ModelFile file) throws Exception {
    byte[] bytes = file.toBytes();
    // The store names the content by the digest it computes while writing: hashing it here first
    // would only double the work on the round's critical path.
    ArtifactInfo info = artifacts.put(new ByteArrayInputStream(bytes), "", bytes.length);
    if (info.getReplicasCount() < 2 && !artifacts.peers().isEmpty()) {
      // Recorded while only the leader holds it, a checkpoint would die with the leader.
      throw new UnavailableException(
          "checkpoint of round "
              + file.header().getRound()
              + " reached no other replica (live: "
              + String.join(", ", artifacts.peers())
              + "); the round is not recorded");
    }
    return new CheckpointRef(file.header().getRound(), info.getSha256(), info.getSizeBytes());
  }

  @Override
  public Optional<ModelFile> load(CheckpointRef ref) throws Exception {
    Optional<ArtifactStore.Read> read = artifacts.openOrFetch(ref.sha256());
    if (read.isEmpty()) {
      return Optional.empty();
    }
    try (ArtifactStore.Read r = read.get();
        InputStream in = Channels.newInputStream(r.channel())) {
      return Optional.of(ModelFile.read(new java.io.BufferedInputStream(in, 1 << 16)));
    }
  }
}
