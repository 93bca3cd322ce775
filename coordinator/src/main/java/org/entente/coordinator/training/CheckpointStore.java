package org.entente.coordinator.training;

import java.util.Optional;
import org.entente.coordinator.model.TrainingRecord.CheckpointRef;
import org.entente.proto.model.ModelFile;

/**
 * Where the leader keeps the averages that end FedAvg rounds: the coordinators' artifact store,
 * copied to the other replicas before the round is recorded, so a requeued shard or a new leader
 * can resume from it.
 */
public interface CheckpointStore {
  /** Stores {@code file} (verified and replicated) and returns where it is. */
  CheckpointRef store(ModelFile file) throws Exception;

  /** A stored checkpoint, read back and verified, or empty when no replica holds it. */
  Optional<ModelFile> load(CheckpointRef ref) throws Exception;
}
