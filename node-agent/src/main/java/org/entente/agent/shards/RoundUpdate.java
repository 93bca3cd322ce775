package org.entente.agent.shards;

import java.util.Objects;
import org.entente.proto.v1.ModelHeader;

/**
 * One shard's parameters at the end of a FedAvg round: {@code examples} is its weight in the
 * average, the number of examples in its data partition. {@code values} follow {@code model}'s
 * layout and must not change after sending.
 */
public record RoundUpdate(
    String jobId,
    int shard,
    int attempt,
    int round,
    long examples,
    double loss,
    ModelHeader model,
    float[] values,
    long computeMs) {
  public RoundUpdate {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(values, "values");
  }
}
