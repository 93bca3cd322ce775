package org.entente.agent;

import io.grpc.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.entente.agent.artifacts.ArtifactFetcher;
import org.entente.agent.artifacts.ArtifactUploader;
import org.entente.agent.artifacts.DataRoot;
import org.entente.agent.shards.ArtifactException;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.agent.shards.ShardServices;
import org.entente.agent.training.RoundClient;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardOutput;

/**
 * {@link ShardServices} over the agent's mTLS channel to its replica: artifacts are fetched into a
 * content-addressed cache under the agent's work directory and checked against their digest ({@code
 * file:} artifacts only from the data roots that allow the job's nation), outputs are uploaded to
 * the coordinators' store, and FedAvg updates go to TrainingService. Thread-safe.
 */
public final class CoordinatorServices implements ShardServices {
  /** How long a round exchange keeps trying while no leader can be reached. */
  public static final Duration ROUND_PATIENCE = Duration.ofMinutes(2);

  private final ArtifactFetcher fetcher;
  private final ArtifactUploader uploader;
  private final RoundClient rounds;

  /** Services that read no files of the host: {@code file:} artifacts are refused. */
  public CoordinatorServices(Supplier<Channel> channel, Path workDir, SSLContext https)
      throws IOException {
    this(channel, workDir, https, List.of());
  }

  /**
   * @param workDir the agent's work directory; the artifact cache is {@code workDir/artifacts}
   * @param https trust for {@code https:} artifacts
   * @param dataRoots the directories {@code file:} artifacts may name, and for jobs of which
   *     nations
   */
  public CoordinatorServices(
      Supplier<Channel> channel, Path workDir, SSLContext https, List<DataRoot> dataRoots)
      throws IOException {
    this.fetcher =
        new ArtifactFetcher(
            workDir.resolve("artifacts"),
            channel,
            https,
            ArtifactFetcher.DEFAULT_MAX_BYTES,
            dataRoots);
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
  public Path fetch(String label, Artifact artifact, String jobNation)
      throws ArtifactException, InterruptedException {
    return fetcher.fetch(label, artifact, jobNation);
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
