package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import org.entente.proto.v1.TensorInfo;
import org.entente.proto.v1.TensorLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArchitecturesTest {
  @Test
  void fromJobParameters_mlp_ownParametersNormalised() {
    Architecture a =
        Architectures.fromJobParameters(
            Map.of(
                "model", " mlp ",
                "inputs", "04",
                "hidden", " 64, 32",
                "classes", "3",
                "rounds", "5"));

    assertThat(a.name()).isEqualTo("mlp");
    assertThat(a.parameters())
        .containsExactly(
            Map.entry("classes", "3"), Map.entry("hidden", "64,32"), Map.entry("inputs", "4"));
    assertThat(a.exampleShape()).isEqualTo(new Shape(4));
    assertThat(a.batchShape(7)).isEqualTo(new Shape(7, 4));
    assertThat(Architectures.fromHeader(a.header(TensorLayout.getDefaultInstance(), 0)))
        .isEqualTo(a);
  }

  @Test
  void fromJobParameters_cnn_imageShape() {
    Architecture a =
        Architectures.fromJobParameters(
            Map.of(
                "model", "cnn", "channels", "3", "height", "28", "width", "20", "classes", "10"));

    assertThat(a.batchShape(2)).isEqualTo(new Shape(2, 3, 28, 20));
    assertThat(a.features()).isEqualTo(3 * 28 * 20);
    assertThat(a.classes()).isEqualTo(10);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "model=       | parameters.model: missing",
        "model=rnn    | parameters.model: unknown architecture 'rnn'",
        "classes=     | parameters.classes: missing",
        "inputs=0     | parameters.inputs: must be a whole number from 1",
        "inputs=x     | parameters.inputs: must be a whole number",
        "hidden=64;32 | parameters.hidden: must be layer widths",
        "hidden=64,,2 | parameters.hidden: must be layer widths",
        "classes=1    | parameters.classes: must be a whole number from 2",
      })
  void fromJobParameters_badParameter_namesIt(String change, String message) {
    Map<String, String> p =
        new HashMap<>(Map.of("model", "mlp", "inputs", "4", "hidden", "8", "classes", "3"));
    String[] kv = change.split("=", 2);
    if (kv[1].isEmpty()) {
      p.remove(kv[0]);
    } else {
      p.put(kv[0], kv[1]);
    }

    assertThatThrownBy(() -> Architectures.fromJobParameters(p))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void fromJobParameters_cnnTooSmall_namesTheParameter() {
    assertThatThrownBy(
            () ->
                Architectures.fromJobParameters(
                    Map.of(
                        "model",
                        "cnn",
                        "channels",
                        "1",
                        "height",
                        "2",
                        "width",
                        "8",
                        "classes",
                        "2")))
        .hasMessageStartingWith("parameters.height: must be a whole number from 4");
  }

  @Test
  void initialValues_sameSeed_sameValuesAndZeroBiases() {
    TensorLayout layout =
        TensorLayout.newBuilder()
            .addTensors(TensorInfo.newBuilder().setName("w").addShape(3).addShape(2))
            .addTensors(TensorInfo.newBuilder().setName("b").addShape(3))
            .build();

    float[] a = Architecture.initialValues(layout, 42);

    assertThat(a).hasSize(9).isEqualTo(Architecture.initialValues(layout, 42));
    assertThat(a).isNotEqualTo(Architecture.initialValues(layout, 43));
    assertThat(java.util.Arrays.copyOfRange(a, 6, 9)).containsOnly(0f);
    float bound = (float) Math.sqrt(6.0 / 5);
    for (int i = 0; i < 6; i++) {
      assertThat(a[i]).isBetween(-bound, bound).isNotZero();
    }
  }
}
