package org.entente.coordinator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.proto.v1.ArrayRange;
import org.entente.proto.v1.ShardResources;
import org.junit.jupiter.api.Test;

class JobArrayTest {
  private static ArrayRange r(int first, int last, int step) {
    return ArrayRange.newBuilder().setFirst(first).setLast(last).setStep(step).build();
  }

  private static JobSpec spec(int parameters) {
    var b =
        org.entente.proto.v1.JobSpec.newBuilder()
            .setName("sweep")
            .setKind("inference")
            .setShards(1)
            .setResources(ShardResources.newBuilder().setCpus(1));
    for (int i = 0; i < parameters; i++) {
      b.putParameters("p" + i, "v");
    }
    return JobSpec.fromProto(b.build());
  }

  @Test
  void ranges_expandInOrder_withStepsAndSingleIndices() {
    assertThat(JobArray.of(List.of(r(3, 3, 0), r(10, 20, 5), r(0, 1, 1))).indices())
        .containsExactly(3, 10, 15, 20, 0, 1);
    assertThat(JobArray.of(List.of(r(0, 9_999, 1))).size()).isEqualTo(10_000);
    assertThat(JobArray.of(List.of(r(0, 999_900, 100))).size()).isEqualTo(10_000);
  }

  @Test
  void overlapping_oversized_andBackwardRanges_areRefusedNamingArray() {
    for (List<ArrayRange> bad :
        List.of(
            List.of(r(0, 10_000, 1)),
            List.of(r(0, 5_000, 1), r(5_001, 10_001, 1)),
            List.of(r(0, 4, 2), r(4, 4, 1)),
            List.of(r(5, 4, 1)),
            List.of(r(-1, 4, 1)),
            List.of(r(0, 4, -1)),
            List.of(r(0, 1_000_001, 1000)))) {
      assertThatThrownBy(() -> JobArray.of(bad))
          .isInstanceOfSatisfying(
              InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("array"));
    }
  }

  @Test
  void anElement_isTheSpecWithItsIndex_andTheSpecMayNotSetTheIndexItself() {
    JobSpec base = spec(2);
    JobSpec e = JobArray.element(base, 42);
    assertThat(e.parameters()).containsEntry(JobArray.INDEX, "42").containsEntry("p0", "v");
    assertThat(e.parameters()).hasSize(3);
    assertThat(e.resources()).isEqualTo(base.resources());
    assertThat(JobArray.indexOf(e)).isEqualTo(42);
    assertThat(JobArray.indexOf(base)).isEqualTo(-1);
    assertThatThrownBy(() -> JobArray.element(e, 1))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            x -> assertThat(x.field()).isEqualTo("parameters.array.index"));
    assertThatThrownBy(() -> JobArray.element(spec(64), 1))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, x -> assertThat(x.field()).isEqualTo("parameters"));
  }

  @Test
  void elementRequestIds_areDistinctPerIndex() {
    assertThat(JobArray.requestId("r", 1)).isNotEqualTo(JobArray.requestId("r", 11));
    assertThat(JobArray.requestId("r1", 1)).isNotEqualTo(JobArray.requestId("r", 11));
  }
}
