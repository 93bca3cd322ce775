package org.entente.agent.shards;

import java.util.Objects;
import org.entente.proto.v1.Checkpoint;

/**
 * The average a round ended with. {@code round} may be later than the update's when the update
 * arrived after its round had closed ({@code included} is then false): the shard continues from
 * this average.
 */
public record RoundResult(
    int round,
    boolean included,
    int contributors,
    long examples,
    double loss,
    Checkpoint checkpoint,
    float[] values) {
  public RoundResult {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(values, "values");
  }
}
