package org.entente.cli.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.entente.proto.v1.ArrayRange;
import org.junit.jupiter.api.Test;

class ArraySpecTest {
  private static ArrayRange r(int first, int last, int step) {
    return ArrayRange.newBuilder().setFirst(first).setLast(last).setStep(step).build();
  }

  @Test
  void sbatchStyleExpressions_parse() {
    assertThat(ArraySpec.parse("0-4999")).containsExactly(r(0, 4999, 1));
    assertThat(ArraySpec.parse("1, 3,10-20:2"))
        .containsExactly(r(1, 1, 1), r(3, 3, 1), r(10, 20, 2));
  }

  @Test
  void malformedExpressions_nameThePart() {
    assertThatThrownBy(() -> ArraySpec.parse("0-")).hasMessageContaining("'0-'");
    assertThatThrownBy(() -> ArraySpec.parse("1,,2")).hasMessageContaining("''");
    assertThatThrownBy(() -> ArraySpec.parse("a-b")).hasMessageContaining("'a-b'");
    assertThatThrownBy(() -> ArraySpec.parse("9-3")).hasMessageContaining("LAST must not be below");
    assertThatThrownBy(() -> ArraySpec.parse("0-9:0")).hasMessageContaining("STEP");
    assertThatThrownBy(() -> ArraySpec.parse(" ")).hasMessageContaining("--array");
  }

  @Test
  void jobs_countsEveryIndexOfEveryRange() {
    assertThat(ArraySpec.jobs(ArraySpec.parse("0-4999"))).isEqualTo(5000);
    assertThat(ArraySpec.jobs(ArraySpec.parse("1,3,10-20:2"))).isEqualTo(8);
  }
}
