package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import org.entente.proto.model.ModelFile;
import org.entente.proto.v1.TensorLayout;
import org.junit.jupiter.api.Test;

class ParameterIoTest {
  private static final Architecture MLP =
      Architectures.fromJobParameters(
          Map.of("model", "mlp", "inputs", "4", "hidden", "8", "classes", "3"));

  @Test
  void load_valuesThroughModelFileBytes_freshBlockGivesIdenticalOutputs() throws IOException {
    Examples data = Blobs.examples(40, 4, 3, 3);
    try (LocalTrainer trained = new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu());
        Model fresh = Model.newInstance("fresh", Device.cpu(), Devices.ENGINE)) {
      trained.steps(10);
      byte[] bytes = ParameterIo.toModelFile(MLP, trained.block(), 10).toBytes();

      ModelFile read = ModelFile.read(new ByteArrayInputStream(bytes));
      Block block = MLP.newBlock();
      fresh.setBlock(block);
      block.initialize(fresh.getNDManager(), DataType.FLOAT32, MLP.batchShape(1));
      ParameterIo.load(block, read);

      assertThat(read.header().getRound()).isEqualTo(10);
      assertThat(read.header().getArchitecture()).isEqualTo("mlp");
      assertThat(read.header().getArchitectureParametersMap())
          .containsExactlyInAnyOrderEntriesOf(Map.of("inputs", "4", "hidden", "8", "classes", "3"));
      assertThat(ParameterIo.values(block)).isEqualTo(trained.values());
      assertThat(forward(block, data)).isEqualTo(forward(trained.block(), data));
    }
  }

  @Test
  void layout_mlp_namesAndShapesInBlockOrder() {
    Examples data = Blobs.examples(10, 4, 3, 3);
    try (LocalTrainer t = new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu())) {
      assertThat(t.layout().getTensorsList())
          .extracting(ti -> ti.getName() + ti.getShapeList())
          .containsExactly(
              "01Linear_weight[8, 4]",
              "01Linear_bias[8]",
              "03Linear_weight[3, 8]",
              "03Linear_bias[3]");
    }
  }

  @Test
  void load_layoutOfAnotherWidth_refusedNamingTheTensor() {
    Architecture wider =
        Architectures.fromJobParameters(
            Map.of("model", "mlp", "inputs", "4", "hidden", "16", "classes", "3"));
    Examples data = Blobs.examples(10, 4, 3, 3);
    try (LocalTrainer narrow = new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu());
        LocalTrainer wide = new LocalTrainer(wider, data, 8, 0.1f, 42, 1, Device.cpu())) {
      ModelFile file = narrow.toModelFile(0);
      float[] before = wide.values();

      assertThatThrownBy(() -> ParameterIo.load(wide.block(), file))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "the parameters do not fit the model: tensor 0 is 01Linear_weight [8, 4] in the"
                  + " file but 01Linear_weight [16, 4] in the model");
      assertThatThrownBy(() -> wide.load(file))
          .hasMessageContaining("is a mlp{classes=3, hidden=8, inputs=4} model")
          .hasMessageContaining("hidden=16");
      assertThat(wide.values()).isEqualTo(before);
    }
  }

  @Test
  void load_tooFewValues_refused() {
    Examples data = Blobs.examples(10, 4, 3, 3);
    try (LocalTrainer t = new LocalTrainer(MLP, data, 8, 0.1f, 42, 1, Device.cpu())) {
      TensorLayout layout = t.layout();
      assertThatThrownBy(() -> ParameterIo.load(t.block(), layout, new float[5]))
          .hasMessageContaining("it holds 67 values, got 5");
    }
  }

  private static float[] forward(Block block, Examples data) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu(), Devices.ENGINE)) {
      NDList out =
          block.forward(
              new ParameterStore(manager, false),
              new NDList(manager.create(data.features(), MLP.batchShape(data.size()))),
              false);
      return out.singletonOrThrow().toFloatArray();
    }
  }
}
