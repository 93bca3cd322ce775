package org.entente.agent.shards;

import java.io.IOException;
import java.nio.file.Path;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardOutput;

/**
 * What the coordinators do for a running shard: hand it verified artifacts, store its outputs, and
 * average its parameters with the other shards of its job. Implemented by the agent over its mTLS
 * channel to the replica it is connected to. Thread-safe.
 */
public interface ShardServices {
  /**
   * A local, read-only copy of {@code artifact} whose SHA-256 matches the declared one. Nothing is
   * returned for content that does not match: the caller never sees unverified bytes.
   *
   * @throws ArtifactException naming the artifact and what is wrong (digest mismatch, not found,
   *     unreadable, unsupported scheme)
   * @throws InterruptedException if the attempt is stopped while fetching
   */
  Path fetch(Artifact artifact) throws ArtifactException, InterruptedException;

  /**
   * Like {@link #fetch(Artifact)}, with errors naming the artifact as {@code label} (for example
   * {@code model} or {@code data[2]}), the job file's field.
   */
  default Path fetch(String label, Artifact artifact)
      throws ArtifactException, InterruptedException {
    return fetch(artifact);
  }

  /**
   * Like {@link #fetch(String, Artifact)}, for a job of {@code jobNation} (the assignment's {@code
   * nation}), which decides the files of this host ({@code file:} artifacts) the job may read.
   * Implementations that read host files must override it; without it they must refuse them.
   */
  default Path fetch(String label, Artifact artifact, String jobNation)
      throws ArtifactException, InterruptedException {
    return fetch(label, artifact);
  }

  /**
   * Stores {@code file} in the coordinators' content-addressed store.
   *
   * @return its digest and size ({@code rows} left 0 for the caller to fill in)
   */
  ShardOutput upload(Path file) throws IOException, InterruptedException;

  /**
   * Sends this shard's parameters at the end of a round and waits for the round's average.
   *
   * @throws IOException if the round cannot be completed (no quorum, coordinator unreachable after
   *     retries, a refused update), with a message a person can act on
   */
  RoundResult exchange(RoundUpdate update) throws IOException, InterruptedException;
}
