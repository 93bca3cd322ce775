package org.entente.agent;

import io.grpc.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.entente.agent.artifacts.ArtifactFetcher;
import org.entente.agent.artifacts.ArtifactUploader;
import org.entente.agent.shards.ArtifactException;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.agent.shards.ShardServices;
import org.entente.agent.training.RoundClient;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardOutput;

/**
 * {@link ShardServices} over the agent's mTLS channel to its replica: artifacts are fetched into a
 * content-addressed cache under the agent's work directory and checked against their digest,
 * outputs are uploaded to the coordinators' store, and FedAvg updates go to TrainingService.
 */
public final class CoordinatorServices implements ShardServices {
  /** How long a round exchange keeps trying while no leader can be reached. */
  public static final Duration ROUND_PATIENCE = Duration.ofMinutes(2);

  private final ArtifactFetcher fetcher;
  private final ArtifactUploader uploader;
  private final RoundClient rounds;

  /**
   * @param workDir the agent's work directory; the artifact cache is {@code workDir/artifacts}
   * @param https trust for {@code https:} artifacts
   */
  public CoordinatorServices(Supplier<Channel> channel, Path workDir, SSLContext https)
      throws IOException {
    this.fetcher =
        new ArtifactFetcher(
            workDir.resolve("artifacts"), channel, https, ArtifactFetcher.DEFAULT_MAX_BYTES);
    this.uploader = new ArtifactUploader(channel);
    this.rounds = new RoundClient(channel, ROUND_PATIENCE);
  }

  @Override
  public Path fetch(Artifact artifact) throws ArtifactException, InterruptedException {
    return fetcher.fetch("artifact", artifact);
  }

  @Override
  public Path fetch(String label, Artifact artifact)
      throws ArtifactException, InterruptedException {
    return fetcher.fetch(label, artifact);
  }

  @Override
  public ShardOutput upload(Path file) throws IOException, InterruptedException {
    return uploader.upload(file);
  }

  @Override
  public RoundResult exchange(RoundUpdate update) throws IOException, InterruptedException {
    return rounds.exchange(update);
  }
}
