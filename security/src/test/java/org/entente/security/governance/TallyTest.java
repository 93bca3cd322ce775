package org.entente.security.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TallyTest {
  @Test
  void required_strictMajorityByDefault_andAPositiveThresholdCappedAtTheMembers() {
    assertThat(Tally.required(0, 1)).isEqualTo(1);
    assertThat(Tally.required(0, 2)).isEqualTo(2);
    assertThat(Tally.required(0, 3)).isEqualTo(2);
    assertThat(Tally.required(0, 4)).isEqualTo(3);
    assertThat(Tally.required(0, 5)).isEqualTo(3);
    assertThat(Tally.required(2, 5)).isEqualTo(2);
    assertThat(Tally.required(9, 3)).isEqualTo(3);
  }

  @Test
  void count_namesWhyEachVoteDoesNotCount() {
    Tally t =
        Tally.count(
            Set.of("DE", "FR", "JP"),
            0,
            100,
            List.of(
                new Tally.Vote("DE", "entente://DE/operator/a", true, 10, null),
                new Tally.Vote("DE", "entente://DE/operator/b", true, 10, null),
                new Tally.Vote("PL", "entente://PL/operator/a", true, 10, null),
                new Tally.Vote("FR", "entente://FR/operator/a", false, 10, null),
                new Tally.Vote("JP", "entente://JP/operator/a", true, 101, null),
                new Tally.Vote("JP", "entente://JP/operator/b", true, 10, "revoked")));

    assertThat(t.approving()).containsExactly("DE");
    assertThat(t.reached()).isFalse();
    assertThat(t.missing()).containsExactly("FR", "JP");
    assertThat(t.reasons().get(0)).isNull();
    assertThat(t.reasons().get(1)).contains("one nation counts once");
    assertThat(t.reasons().get(2)).contains("not a member");
    assertThat(t.reasons().get(3)).contains("changed after approval");
    assertThat(t.reasons().get(4)).contains("after the proposal expired");
    assertThat(t.reasons().get(5)).isEqualTo("revoked");
  }
}
