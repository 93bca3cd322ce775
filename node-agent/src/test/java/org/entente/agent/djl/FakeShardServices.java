package org.entente.agent.djl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.entente.agent.shards.ArtifactException;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.agent.shards.ShardServices;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.Checkpoint;
import org.entente.proto.v1.ShardOutput;

/**
 * The coordinators as a shard sees them, in process: a content-addressed store in a directory, and
 * FedAvg rounds that close when {@code shards} updates for a round have arrived (weighted by
 * examples, like the leader's). Records every update. Thread-safe.
 */
final class FakeShardServices implements ShardServices {
  private static final long ROUND_TIMEOUT_MS = 60_000;

  private final Path dir;
  private final int shards;
  private final Map<String, Path> store = new ConcurrentHashMap<>();
  private final List<RoundUpdate> updates = new ArrayList<>();
  private final Map<Integer, List<RoundUpdate>> open = new HashMap<>();
  private final Map<Integer, RoundResult> closed = new HashMap<>();

  FakeShardServices(Path dir, int shards) {
    this.dir = dir;
    this.shards = shards;
  }

  /** Stores {@code bytes} and returns the artifact that names them. */
  Artifact put(byte[] bytes) throws IOException {
    String sha = sha256(bytes);
    Path file = dir.resolve(sha);
    Files.write(file, bytes);
    store.put(sha, file);
    return Artifact.newBuilder().setUri("entente:artifacts/" + sha).setSha256(sha).build();
  }

  Artifact put(String text) throws IOException {
    return put(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The stored content of {@code sha256}. */
  byte[] get(String sha256) throws IOException {
    Path file = store.get(sha256);
    if (file == null) {
      throw new IOException("no artifact " + sha256);
    }
    return Files.readAllBytes(file);
  }

  /** Every update received so far, in arrival order. */
  synchronized List<RoundUpdate> updates() {
    return List.copyOf(updates);
  }

  /** The average that closed {@code round}. */
  synchronized RoundResult result(int round) {
    return closed.get(round);
  }

  @Override
  public Path fetch(Artifact artifact) throws ArtifactException {
    String prefix = "entente:artifacts/";
    if (!artifact.getUri().startsWith(prefix)) {
      throw new ArtifactException(artifact.getUri() + ": unsupported scheme");
    }
    String sha = artifact.getUri().substring(prefix.length());
    if (!sha.equals(artifact.getSha256())) {
      throw new ArtifactException(artifact.getUri() + ": digest mismatch");
    }
    Path file = store.get(sha);
    if (file == null) {
      throw new ArtifactException(artifact.getUri() + ": not found");
    }
    return file;
  }

  @Override
  public ShardOutput upload(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Artifact stored = put(bytes);
    return ShardOutput.newBuilder()
        .setSha256(stored.getSha256())
        .setSizeBytes(bytes.length)
        .build();
  }

  @Override
  public synchronized RoundResult exchange(RoundUpdate update)
      throws IOException, InterruptedException {
    updates.add(update);
    RoundResult late = closed.get(update.round());
    if (late != null) {
      return newest();
    }
    List<RoundUpdate> round = open.computeIfAbsent(update.round(), r -> new ArrayList<>());
    round.add(update);
    if (round.size() == shards) {
      closed.put(update.round(), average(update.round(), round));
      open.remove(update.round());
      notifyAll();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ROUND_TIMEOUT_MS);
    while (!closed.containsKey(update.round())) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new IOException("round " + update.round() + " did not close");
      }
      wait(left);
    }
    return closed.get(update.round());
  }

  private RoundResult newest() {
    int last = closed.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
    RoundResult r = closed.get(last);
    return new RoundResult(
        r.round(), false, r.contributors(), r.examples(), r.loss(), r.checkpoint(), r.values());
  }

  private RoundResult average(int round, List<RoundUpdate> updates) throws IOException {
    float[] sum = new float[updates.get(0).values().length];
    long examples = 0;
    double loss = 0;
    for (RoundUpdate u : updates) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] += u.values()[i] * u.examples();
      }
      examples += u.examples();
      loss += u.loss() * u.examples();
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] /= examples;
    }
    byte[] file =
        new ModelFile(updates.get(0).model().toBuilder().setRound(round).build(), sum).toBytes();
    Artifact stored = put(file);
    Checkpoint checkpoint =
        Checkpoint.newBuilder()
            .setRound(round)
            .setSha256(stored.getSha256())
            .setSizeBytes(file.length)
            .build();
    return new RoundResult(round, true, updates.size(), examples, loss / examples, checkpoint, sum);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
