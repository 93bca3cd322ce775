package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inference runner with the real engine, against an in-process artifact store. */
class InferenceRunnerTest {
  private static final Map<String, String> MLP =
      Map.of("model", "mlp", "inputs", "4", "hidden", "16", "classes", "3");

  @TempDir Path dir;

  private static ShardAssignment.Builder assignment(int shard, int total) {
    return ShardAssignment.newBuilder()
        .setJobId("job-2")
        .setShard(shard)
        .setAttempt(1)
        .setKind("inference")
        .setTotalShards(total)
        .putParameters("scores", "true");
  }

  /** An MLP trained on blobs, as a stored model file. */
  private static Artifact trainedMlp(FakeShardServices services) throws IOException {
    Examples train = Blobs.examples(300, 4, 3, 11);
    try (LocalTrainer t =
        new LocalTrainer(
            Architectures.fromJobParameters(MLP), train, 32, 0.1f, 42, 1, Device.cpu())) {
      t.steps(60);
      return services.put(t.toModelFile(3).toBytes());
    }
  }

  private static List<String> lines(FakeShardServices services, ShardOutput output)
      throws IOException {
    return new String(services.get(output.getSha256()), StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void run_ententeModelFile_oneLinePerRowWithItsClassAndScores() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Examples inputs = Blobs.examples(50, 4, 3, 12);
    Artifact data = services.put(Blobs.csv(inputs, false));
    FakeShardContext context = new FakeShardContext();

    String note =
        new InferenceRunner(services)
            .run(
                assignment(0, 1)
                    .setModel(model)
                    .addData(data)
                    .putParameters("batchSize", "16")
                    .build(),
                context);

    ShardOutput out = context.output();
    byte[] uploaded = services.get(out.getSha256());
    assertThat(FakeShardServices.sha256(uploaded)).isEqualTo(out.getSha256());
    assertThat(out.getSizeBytes()).isEqualTo(uploaded.length);
    assertThat(out.getRows()).isEqualTo(50);
    assertThat(note).isEqualTo("50 rows, output " + out.getSha256().substring(0, 12));
    List<String> lines = lines(services, out);
    assertThat(lines).hasSize(51).first().isEqualTo("row,class,score0,score1,score2");
    int correct = 0;
    for (int i = 0; i < 50; i++) {
      String[] f = lines.get(i + 1).split(",");
      assertThat(f).hasSize(5);
      assertThat(f[0]).isEqualTo(Integer.toString(i));
      float[] scores = {Float.parseFloat(f[2]), Float.parseFloat(f[3]), Float.parseFloat(f[4])};
      assertThat(Integer.parseInt(f[1])).isEqualTo(LocalTrainer.argmax(scores, 0, 3));
      correct += Integer.parseInt(f[1]) == inputs.labels()[i] ? 1 : 0;
    }
    assertThat(correct).isGreaterThan(40);
  }

  @Test
  void run_twice_sameDigest() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact data = services.put(Blobs.csv(Blobs.examples(30, 4, 3, 12), false));
    ShardAssignment a = assignment(0, 1).setModel(model).addData(data).build();
    FakeShardContext first = new FakeShardContext();
    FakeShardContext second = new FakeShardContext();

    new InferenceRunner(services).run(a, first);
    new InferenceRunner(services).run(a.toBuilder().setAttempt(2).build(), second);

    assertThat(second.output()).isEqualTo(first.output());
  }

  @Test
  void run_sharedInputFile_shardScoresItsRowsNamedByFileIndex() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact data = services.put(Blobs.csv(Blobs.examples(7, 4, 3, 12), false));
    FakeShardContext context = new FakeShardContext();

    new InferenceRunner(services)
        .run(assignment(1, 3).setModel(model).addData(data).build(), context);

    assertThat(context.output().getRows()).isEqualTo(2);
    assertThat(lines(services, context.output()))
        .extracting(l -> l.split(",")[0])
        .containsExactly("row", "1", "4");
  }

  @Test
  void run_cnnModelFile_reshapesRowsIntoImages() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Architecture cnn =
        Architectures.fromJobParameters(
            Map.of("model", "cnn", "channels", "1", "height", "8", "width", "8", "classes", "2"));
    Examples images = Images.examples(6, 3);
    Artifact model;
    try (LocalTrainer t = new LocalTrainer(cnn, images, 6, 0.1f, 42, 1, Device.cpu())) {
      model = services.put(t.toModelFile(0).toBytes());
    }
    Artifact data = services.put(Blobs.csv(images, false));
    FakeShardContext context = new FakeShardContext();

    new InferenceRunner(services)
        .run(assignment(0, 1).setModel(model).addData(data).build(), context);

    assertThat(lines(services, context.output()))
        .hasSize(7)
        .first()
        .isEqualTo("row,class,score0,score1");
  }

  @Test
  void run_torchScriptModel_scoresAsTheScriptComputes() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    byte[] script;
    try (InputStream in = InferenceRunnerTest.class.getResourceAsStream("/tiny.pt")) {
      script = in.readAllBytes();
    }
    Artifact model = services.put(script);
    Artifact data = services.put("1,2,3,4\n0,0,0,0\n-1,0.5,2,0\n");
    FakeShardContext context = new FakeShardContext();

    new InferenceRunner(services)
        .run(assignment(0, 1).setModel(model).addData(data).build(), context);

    // tiny.pt: scores = (x0, 2*x1 - 1, 0.5*x0 + 0.5*x1 - x2 + x3 + 0.25); see make-torchscript.py
    assertThat(lines(services, context.output()))
        .containsExactly(
            "row,class,score0,score1,score2", "0,1,1,3,2.75", "1,2,0,-1,0.25", "2,1,-1,0,-2");
  }

  @Test
  void run_ententeAndTorchScript_leaveNoNativeArraysBehind() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact script;
    try (InputStream in = InferenceRunnerTest.class.getResourceAsStream("/tiny.pt")) {
      script = services.put(in.readAllBytes());
    }
    Artifact data = services.put(Blobs.csv(Blobs.examples(40, 4, 3, 12), false));
    int before = NativeArrays.live();

    new InferenceRunner(services)
        .run(
            assignment(0, 1).setModel(model).addData(data).putParameters("batchSize", "7").build(),
            new FakeShardContext());
    new InferenceRunner(services)
        .run(assignment(0, 1).setModel(script).addData(data).build(), new FakeShardContext());

    assertThat(NativeArrays.live()).isEqualTo(before);
  }

  @Test
  void run_modelThatIsNeither_refusedNamingIt() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = services.put("not a model");
    Artifact data = services.put("1,2,3,4\n");

    assertThatThrownBy(
            () ->
                new InferenceRunner(services)
                    .run(
                        assignment(0, 1).setModel(model).addData(data).build(),
                        new FakeShardContext()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "model "
                + model.getUri()
                + ": neither an Entente model file (ENTM) nor a TorchScript archive (a zip file)");
  }

  @Test
  void run_badBatchSizeOrMalformedInput_failsNamingIt() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact data = services.put("1,2,3,4\n1,2,3\n");
    ShardAssignment a = assignment(0, 1).setModel(model).addData(data).build();

    assertThatThrownBy(
            () ->
                new InferenceRunner(services)
                    .run(
                        a.toBuilder().putParameters("batchSize", "0").build(),
                        new FakeShardContext()))
        .hasMessage("parameters.batchSize: must be a whole number from 1 to 65536, got '0'");
    assertThatThrownBy(() -> new InferenceRunner(services).run(a, new FakeShardContext()))
        .hasMessage(
            "data[0] (" + data.getUri() + ") line 2: expected 4 values (4 features), got 3");
  }

  @Test
  void run_cancelled_stopsBeforeScoring() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact data = services.put("1,2,3,4\n");
    FakeShardContext context = new FakeShardContext();
    context.cancel();

    assertThatThrownBy(
            () ->
                new InferenceRunner(services)
                    .run(assignment(0, 1).setModel(model).addData(data).build(), context))
        .isInstanceOf(CancellationException.class);
    assertThat(context.output()).isNull();
  }

  @Test
  void format_floats_exactNineDigitsWhateverTheJdk() {
    assertThat(
            Arrays.asList(
                InferenceRunner.format(0.1f),
                InferenceRunner.format(-3.5f),
                InferenceRunner.format(0f),
                InferenceRunner.format(1e-7f),
                InferenceRunner.format(Float.NaN)))
        .containsExactly("0.100000001", "-3.5", "0", "1.00000001E-7", "NaN");
  }

  @Test
  void run_withoutScores_writesRowAndClassOnly_theSameClasses() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact input = services.put(Blobs.csv(Blobs.examples(40, 4, 3, 9), false));
    InferenceRunner runner = new InferenceRunner(services);
    FakeShardContext with = new FakeShardContext();
    runner.run(assignment(0, 1).setModel(model).addData(input).build(), with);
    FakeShardContext without = new FakeShardContext();
    runner.run(
        assignment(0, 1).removeParameters("scores").setModel(model).addData(input).build(),
        without);
    List<String> full = lines(services, with.output());
    List<String> plain = lines(services, without.output());
    assertThat(plain.get(0)).isEqualTo("row,class");
    assertThat(plain).hasSize(full.size());
    for (int i = 1; i < full.size(); i++) {
      String[] f = full.get(i).split(",");
      assertThat(plain.get(i)).isEqualTo(f[0] + "," + f[1]);
    }
    assertThat(without.output().getRows()).isEqualTo(40);
  }

  @Test
  void run_scoresNeitherTrueNorFalse_refusedNamingIt() throws Exception {
    FakeShardServices services = new FakeShardServices(dir, 1);
    Artifact model = trainedMlp(services);
    Artifact input = services.put(Blobs.csv(Blobs.examples(4, 4, 3, 9), false));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new InferenceRunner(services)
                    .run(
                        assignment(0, 1)
                            .putParameters("scores", "yes")
                            .setModel(model)
                            .addData(input)
                            .build(),
                        new FakeShardContext()))
        .hasMessageContaining("parameters.scores");
  }
}
