package org.entente.agent.djl;

import java.util.Objects;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardAssignment;

/**
 * Which rows of which data artifact one shard reads: data row {@code r} of {@code artifact} (rows
 * counted from 0, header and blank lines not counted) belongs to the shard when {@code r % stride
 * == offset}.
 *
 * <ul>
 *   <li>One data artifact shared by all shards of a job ({@code total_shards > 1}): shard {@code i}
 *       reads rows {@code i, i + n, i + 2n, ...} of it ({@code stride = n}, {@code offset = i}).
 *   <li>One artifact per shard: shard {@code i} reads all of {@code data[i]}.
 * </ul>
 *
 * Any other combination is refused. Immutable and thread-safe.
 */
public record DataPartition(Artifact artifact, int index, int stride, int offset) {
  public DataPartition {
    Objects.requireNonNull(artifact, "artifact");
    if (stride < 1 || offset < 0 || offset >= stride) {
      throw new IllegalArgumentException("offset " + offset + " is not below stride " + stride);
    }
  }

  /** The partition {@code assignment}'s shard reads. */
  public static DataPartition of(ShardAssignment assignment) {
    int total = Math.max(1, assignment.getTotalShards());
    int shard = assignment.getShard();
    if (shard < 0 || shard >= total) {
      throw new IllegalArgumentException("shard " + shard + " is not one of " + total + " shards");
    }
    int count = assignment.getDataCount();
    if (count == 0) {
      throw new IllegalArgumentException("the job has no data artifact");
    }
    if (count == 1) {
      return new DataPartition(assignment.getData(0), 0, total, shard);
    }
    if (count == total) {
      return new DataPartition(assignment.getData(shard), shard, 1, 0);
    }
    throw new IllegalArgumentException(
        "the job has "
            + count
            + " data artifacts for "
            + total
            + " shards: give one artifact shared by all shards or one per shard");
  }

  /** Whether data row {@code row} belongs to this partition. */
  public boolean includes(long row) {
    return row % stride == offset;
  }

  /** For messages: {@code data[1] (entente:artifacts/ab12...)}. */
  public String describe() {
    return "data[" + index + "] (" + JobParameters.printable(artifact.getUri(), 200) + ")";
  }
}
