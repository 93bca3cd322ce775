package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.entente.agent.shards.RoundResult;
import org.entente.agent.shards.RoundUpdate;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.Checkpoint;
import org.entente.proto.v1.ShardAssignment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training runner with the real engine, against in-process coordinators. */
class TrainingRunnerTest {
  private static final Map<String, String> MLP =
      Map.of("model", "mlp", "inputs", "4", "hidden", "16", "classes", "3");

  @TempDir Path dir;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  private static ShardAssignment.Builder assignment(int shard, int total, Map<String, String> p) {
    return ShardAssignment.newBuilder()
        .setJobId("job-1")
        .setShard(shard)
        .setAttempt(1)
        .setKind("training")
        .setTotalShards(total)
        .putAllParameters(MLP)
        .putAllParameters(p);
  }

  @Test
  void run_twoShardsSharingOneFile_allRoundsAveragedAndBothEndAlike() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 2);
    Artifact data = services.put(Blobs.csv(Blobs.examples(384, 4, 3, 5), true));
    Map<String, String> p = Map.of("rounds", "4", "localSteps", "10", "batchSize", "16");
    TrainingRunner runner = new TrainingRunner(services);

    Future<String> first =
        threads.submit(
            () -> runner.run(assignment(0, 2, p).addData(data).build(), new FakeShardContext()));
    Future<String> second =
        threads.submit(
            () -> runner.run(assignment(1, 2, p).addData(data).build(), new FakeShardContext()));
    String note0 = first.get(60, TimeUnit.SECONDS);
    String note1 = second.get(60, TimeUnit.SECONDS);

    RoundResult last = services.result(4);
    assertThat(note0)
        .isEqualTo(note1)
        .startsWith("4 rounds, loss ")
        .endsWith("model " + last.checkpoint().getSha256().substring(0, 12));
    assertThat(services.updates())
        .extracting(RoundUpdate::round)
        .containsExactlyInAnyOrder(1, 1, 2, 2, 3, 3, 4, 4);
    assertThat(services.updates())
        .allSatisfy(
            u -> {
              // The weight is the shard's partition: 384 rows split between 2 shards.
              assertThat(u.examples()).isEqualTo(192);
              assertThat(u.model().getArchitectureParametersMap())
                  .containsOnlyKeys("inputs", "hidden", "classes");
            });
    assertThat(
            services.updates().stream()
                .map(RoundUpdate::model)
                .map(m -> m.toBuilder().setRound(0).build())
                .distinct())
        .hasSize(1);
    assertThat(services.result(4).loss()).isLessThan(services.result(1).loss());
    ModelFile checkpoint =
        ModelFile.read(
            new java.io.ByteArrayInputStream(services.get(last.checkpoint().getSha256())));
    assertThat(checkpoint.values()).isEqualTo(last.values());
    assertThat(checkpoint.header().getRound()).isEqualTo(4);
  }

  @Test
  void run_resumeFromRound3Of5_fetchesTheCheckpointAndExchangesRounds4And5() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Examples examples = Blobs.examples(100, 4, 3, 5);
    Artifact data = services.put(Blobs.csv(examples, true));
    Architecture architecture = Architectures.fromJobParameters(MLP);
    ModelFile saved;
    try (LocalTrainer elsewhere =
        new LocalTrainer(architecture, examples, 16, 0.1f, 99, 1, Device.cpu())) {
      elsewhere.steps(30);
      saved = elsewhere.toModelFile(3);
    }
    Artifact checkpoint = services.put(saved.toBytes());
    // A rate this small leaves the parameters where they started, to within float rounding.
    Map<String, String> p = Map.of("rounds", "5", "localSteps", "2", "learningRate", "1e-9");

    String note =
        new TrainingRunner(services)
            .run(
                assignment(0, 1, p)
                    .setAttempt(2)
                    .addData(data)
                    .setResumeFrom(
                        Checkpoint.newBuilder()
                            .setRound(3)
                            .setSha256(checkpoint.getSha256())
                            .setSizeBytes(saved.toBytes().length))
                    .build(),
                new FakeShardContext());

    List<RoundUpdate> updates = services.updates();
    assertThat(updates).extracting(RoundUpdate::round).containsExactly(4, 5);
    assertThat(updates).extracting(RoundUpdate::attempt).containsOnly(2);
    assertThat(updates.get(0).model().getRound()).isEqualTo(4);
    float[] fresh = Architecture.initialValues(saved.header().getLayout(), 42);
    assertThat(maxDifference(updates.get(0).values(), saved.values())).isLessThan(1e-5f);
    assertThat(maxDifference(updates.get(0).values(), fresh)).isGreaterThan(0.1f);
    assertThat(note).startsWith("5 rounds, loss ");
  }

  @Test
  void run_resumeFromTheLastRound_nothingToTrain() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Examples examples = Blobs.examples(20, 4, 3, 5);
    Artifact data = services.put(Blobs.csv(examples, true));
    byte[] saved;
    try (LocalTrainer t =
        new LocalTrainer(
            Architectures.fromJobParameters(MLP), examples, 16, 0.1f, 42, 1, Device.cpu())) {
      saved = t.toModelFile(5).toBytes();
    }
    Artifact c = services.put(saved);

    String note =
        new TrainingRunner(services)
            .run(
                assignment(0, 1, Map.of("rounds", "5"))
                    .addData(data)
                    .setResumeFrom(Checkpoint.newBuilder().setRound(5).setSha256(c.getSha256()))
                    .build(),
                new FakeShardContext());

    assertThat(note)
        .isEqualTo(
            "nothing to train: checkpoint at round 5 of 5, model "
                + c.getSha256().substring(0, 12));
    assertThat(services.updates()).isEmpty();
  }

  @Test
  void run_initialModelOfAnotherArchitecture_refused() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Examples examples = Blobs.examples(20, 4, 3, 5);
    Artifact data = services.put(Blobs.csv(examples, true));
    byte[] other;
    try (LocalTrainer t =
        new LocalTrainer(
            Architectures.fromJobParameters(Map.of("model", "mlp", "inputs", "4", "classes", "3")),
            examples,
            16,
            0.1f,
            42,
            1,
            Device.cpu())) {
      other = t.toModelFile(0).toBytes();
    }
    Artifact model = services.put(other);

    assertThatThrownBy(
            () ->
                new TrainingRunner(services)
                    .run(
                        assignment(0, 1, Map.of()).addData(data).setModel(model).build(),
                        new FakeShardContext()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("model entente:artifacts/")
        .hasMessageContaining("is a mlp{classes=3, hidden=, inputs=4} model");
  }

  @Test
  void run_badParameter_failsNamingItBeforeFetchingAnything() {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact missing = Artifact.newBuilder().setUri("entente:artifacts/00").setSha256("00").build();

    assertThatThrownBy(
            () ->
                new TrainingRunner(services)
                    .run(
                        assignment(0, 1, Map.of("learningRate", "fast")).addData(missing).build(),
                        new FakeShardContext()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("parameters.learningRate: must be a number above 0");
    assertThatThrownBy(
            () ->
                new TrainingRunner(services)
                    .run(
                        assignment(0, 1, Map.of("rounds", "0")).addData(missing).build(),
                        new FakeShardContext()))
        .hasMessage("parameters.rounds: must be a whole number from 1 to 1000000, got '0'");
  }

  @Test
  void run_malformedCsv_failsNamingTheLine() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact data = services.put("a,b,c,d,label\n1,2,3,4,0\n1,2,3,4\n");

    assertThatThrownBy(
            () ->
                new TrainingRunner(services)
                    .run(assignment(0, 1, Map.of()).addData(data).build(), new FakeShardContext()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "data[0] ("
                + data.getUri()
                + ") line 3: expected 5 values (4 features and a class label), got 4");
  }

  @Test
  void run_cancelledWhileTraining_stopsPromptly() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact data = services.put(Blobs.csv(Blobs.examples(100, 4, 3, 5), true));
    FakeShardContext context = new FakeShardContext();
    Future<String> run =
        threads.submit(
            () ->
                new TrainingRunner(services)
                    .run(
                        assignment(0, 1, Map.of("rounds", "1000000", "localSteps", "5"))
                            .addData(data)
                            .build(),
                        context));
    await().atMost(Duration.ofSeconds(30)).until(() -> services.updates().size() >= 2);

    context.cancel();

    assertThatThrownBy(() -> run.get(2, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CancellationException.class);
  }

  @Test
  void run_succeededOrFailed_leavesNoNativeArraysBehind() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact data = services.put(Blobs.csv(Blobs.examples(64, 4, 3, 5), true));
    Artifact wrongModel = services.put("ENTM and then nothing");
    TrainingRunner runner = new TrainingRunner(services);
    int before = NativeArrays.live();

    runner.run(
        assignment(0, 1, Map.of("rounds", "2", "localSteps", "3")).addData(data).build(),
        new FakeShardContext());
    FakeShardContext cancelled = new FakeShardContext();
    cancelled.cancel();
    assertThatThrownBy(
            () -> runner.run(assignment(0, 1, Map.of()).addData(data).build(), cancelled))
        .isInstanceOf(CancellationException.class);
    assertThatThrownBy(
            () ->
                runner.run(
                    assignment(0, 1, Map.of()).addData(data).setModel(wrongModel).build(),
                    new FakeShardContext()))
        .hasMessageStartingWith("model entente:artifacts/");

    assertThat(NativeArrays.live()).isEqualTo(before);
    try (LocalTrainer open =
        new LocalTrainer(
            Architectures.fromJobParameters(MLP),
            Blobs.examples(8, 4, 3, 5),
            4,
            0.1f,
            42,
            1,
            Device.cpu())) {
      assertThat(NativeArrays.live()).as("the probe sees an open model").isGreaterThan(before);
    }
  }

  private static float maxDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
