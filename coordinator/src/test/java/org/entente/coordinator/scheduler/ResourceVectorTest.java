package org.entente.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResourceVectorTest {
  private final ResourceVector a = new ResourceVector(2, 8, 100);
  private final ResourceVector b = new ResourceVector(1, 10, 50);

  @Test
  void arithmetic_componentWise_exact() {
    assertThat(a.plus(b)).isEqualTo(new ResourceVector(3, 18, 150));
    assertThat(a.max(b)).isEqualTo(new ResourceVector(2, 10, 100));
    assertThat(a.min(b)).isEqualTo(new ResourceVector(1, 8, 50));
    assertThat(a.times(3)).isEqualTo(new ResourceVector(6, 24, 300));
    assertThat(a.minus(a).isZero()).isTrue();
    assertThat(ResourceVector.ZERO.isZero()).isTrue();
  }

  @Test
  void fitsIn_everyComponentMustFit() {
    assertThat(b.fitsIn(a)).isFalse(); // CPUs 10 > 8
    assertThat(a.min(b).fitsIn(a)).isTrue();
  }

  @Test
  void minus_belowZero_rejected() {
    assertThatThrownBy(() -> b.minus(a)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void plus_overflow_throws() {
    ResourceVector huge = new ResourceVector(Long.MAX_VALUE, 0, 0);
    assertThatThrownBy(() -> huge.plus(new ResourceVector(1, 0, 0)))
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void describe_readsAsAPersonWould() {
    assertThat(new ResourceVector(1, 4, 16L << 30).describe())
        .isEqualTo("1 GPU, 4 CPUs, 16 GiB of memory");
  }

  @Test
  void refs_printAndOrder() {
    assertThat(new ShardRef("j3", 0)).hasToString("j3/0");
    assertThat(new NodeId("DE", "gpu-3")).hasToString("DE/gpu-3");
    assertThat(new ShardRef("a", 10).compareTo(new ShardRef("a", 9))).isPositive();
    assertThat(new NodeId("DE", "z").compareTo(new NodeId("FR", "a"))).isNegative();
  }
}
