package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Local SGD with the real PyTorch engine on CPU. */
class LocalTrainerTest {
  private static final Architecture MLP =
      Architectures.fromJobParameters(
          Map.of("model", "mlp", "inputs", "4", "hidden", "16", "classes", "3"));

  @Test
  void steps_separableBlobs_lossHalvesAndAccuracyRises() {
    Examples data = Blobs.examples(640, 4, 3, 1);
    try (LocalTrainer trainer = new LocalTrainer(MLP, data, 32, 0.1f, 42, 7, Device.cpu())) {
      LocalTrainer.Evaluation before = trainer.evaluate(data);

      LocalTrainer.StepStats stats = trainer.steps(100);
      LocalTrainer.Evaluation after = trainer.evaluate(data);

      assertThat(stats.examples()).isEqualTo(3200);
      assertThat(after.meanLoss()).isLessThan(0.5 * before.meanLoss());
      assertThat(after.accuracy()).isGreaterThan(0.9).isGreaterThan(before.accuracy());
    }
  }

  @Test
  void constructor_sameInitSeed_sameParametersWhateverTheShuffle() {
    Examples data = Blobs.examples(50, 4, 3, 1);
    try (LocalTrainer a = new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu());
        LocalTrainer b = new LocalTrainer(MLP, data, 8, 0.1f, 42, 2, Device.cpu());
        LocalTrainer c = new LocalTrainer(MLP, data, 8, 0.1f, 43, 1, Device.cpu())) {
      assertThat(a.values()).isEqualTo(b.values()).isNotEqualTo(c.values());
    }
  }

  @Test
  void steps_cnnOnImages_lossFalls() {
    Architecture cnn =
        Architectures.fromJobParameters(
            Map.of("model", "cnn", "channels", "1", "height", "8", "width", "8", "classes", "2"));
    Examples images = Images.examples(64, 2);
    try (LocalTrainer trainer = new LocalTrainer(cnn, images, 16, 0.1f, 42, 1, Device.cpu())) {
      double before = trainer.evaluate(images).meanLoss();
      trainer.steps(30);
      assertThat(trainer.evaluate(images).meanLoss()).isLessThan(before);
    }
  }

  @Test
  void steps_stopRequested_throwsBeforeTheNextStep() {
    Examples data = Blobs.examples(50, 4, 3, 1);
    AtomicInteger asked = new AtomicInteger();
    try (LocalTrainer trainer = new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu())) {
      assertThatThrownBy(() -> trainer.steps(1000, () -> asked.incrementAndGet() > 3))
          .isInstanceOf(CancellationException.class)
          .hasMessageContaining("after 3 of 1000 steps");
    }
  }

  @Test
  void constructor_dataOfAnotherWidth_refused() {
    Examples data = Blobs.examples(10, 5, 3, 1);
    assertThatThrownBy(() -> new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 features");
  }
}
