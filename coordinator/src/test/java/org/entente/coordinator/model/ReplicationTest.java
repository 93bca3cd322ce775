package org.entente.coordinator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicationTest {
  private static final Set<String> THREE = Set.of("DE", "FR", "JP");
  private static final String GOOD = "a".repeat(64);
  private static final String BAD = "b".repeat(64);

  private static RunOutput run(int attempt, String node, String sha) {
    return new RunOutput("j1-1/0#" + attempt, node, node.substring(0, 2), sha, 10, 1);
  }

  @Test
  void untrustedFirstRun_runsAgainInAnotherNation_avoidingItsNode() {
    Replication.Next next = Replication.after(List.of(run(1, "DE/a", GOOD)), true, THREE);
    assertThat(next).isInstanceOf(Replication.RunAgain.class);
    Replication.RunAgain again = (Replication.RunAgain) next;
    assertThat(again.outcome()).isEqualTo("check");
    assertThat(again.next().nations()).containsExactly("FR", "JP");
    assertThat(again.next().excludedNodes()).containsExactly("DE/a");
    assertThat(again.next().sameNation()).isFalse();
  }

  @Test
  void trustedNodeNotDrawn_isAcceptedUnchecked() {
    Replication.Next next = Replication.after(List.of(run(1, "DE/a", GOOD)), false, THREE);
    assertThat(next)
        .isEqualTo(
            new Replication.Accept(GOOD, List.of(run(1, "DE/a", GOOD)), List.of(), "unchecked"));
  }

  @Test
  void twoNationsAgreeing_accept() {
    var runs = List.of(run(1, "DE/a", GOOD), run(2, "FR/b", GOOD));
    Replication.Accept a = (Replication.Accept) Replication.after(runs, true, THREE);
    assertThat(a.outcome()).isEqualTo("agreed");
    assertThat(a.agreeing()).isEqualTo(runs);
    assertThat(a.wrong()).isEmpty();
  }

  @Test
  void disagreement_goesToTheThirdNation_andTheMajorityDecides() {
    var two = List.of(run(1, "DE/a", BAD), run(2, "FR/b", GOOD));
    Replication.RunAgain again = (Replication.RunAgain) Replication.after(two, true, THREE);
    assertThat(again.outcome()).isEqualTo("disagreement");
    assertThat(again.next().nations()).containsExactly("JP");
    assertThat(again.next().excludedNodes()).containsExactly("DE/a", "FR/b");

    var three = List.of(run(1, "DE/a", BAD), run(2, "FR/b", GOOD), run(3, "JP/c", GOOD));
    Replication.Accept a = (Replication.Accept) Replication.after(three, true, THREE);
    assertThat(a.outcome()).isEqualTo("majority");
    assertThat(a.sha256()).isEqualTo(GOOD);
    assertThat(a.wrong()).containsExactly(run(1, "DE/a", BAD));
  }

  @Test
  void twoNodesOfOneNation_neverFormAQuorumWhenAnotherNationIsAllowed() {
    Set<String> deFr = Set.of("DE", "FR");
    var runs = List.of(run(1, "DE/a", BAD), run(2, "FR/b", GOOD), run(3, "DE/c", BAD));
    Replication.Next next = Replication.after(runs, true, deFr);
    assertThat(next).isInstanceOf(Replication.Fail.class);
    // Nor after two runs: the second run of a DE node's result goes to FR, not to DE.
    Replication.RunAgain again =
        (Replication.RunAgain) Replication.after(List.of(run(1, "DE/a", BAD)), true, deFr);
    assertThat(again.next().nations()).containsExactly("FR");
    // And if two DE runs ever agreed, they still would not count.
    Replication.Next deOnly =
        Replication.after(List.of(run(1, "DE/a", BAD), run(2, "DE/c", BAD)), true, deFr);
    assertThat(deOnly).isInstanceOf(Replication.RunAgain.class);
  }

  @Test
  void rulesAllowingOneNation_checkOnAnotherNodeOfIt_andSaySo() {
    Set<String> de = Set.of("DE");
    Replication.RunAgain again =
        (Replication.RunAgain) Replication.after(List.of(run(1, "DE/a", GOOD)), true, de);
    assertThat(again.next().nations()).containsExactly("DE");
    assertThat(again.next().excludedNodes()).containsExactly("DE/a");
    assertThat(again.next().sameNation()).isTrue();
    Replication.Accept a =
        (Replication.Accept)
            Replication.after(List.of(run(1, "DE/a", GOOD), run(2, "DE/b", GOOD)), true, de);
    assertThat(a.outcome()).isEqualTo("agreed");
  }

  @Test
  void threeRunsAllDifferent_fail() {
    var runs = List.of(run(1, "DE/a", GOOD), run(2, "FR/b", BAD), run(3, "JP/c", "c".repeat(64)));
    assertThat(Replication.after(runs, true, THREE)).isInstanceOf(Replication.Fail.class);
  }

  @Test
  void mode_parsesTheJobParameter() {
    assertThat(Replication.Mode.parse(null)).isEqualTo(Replication.Mode.ADAPTIVE);
    assertThat(Replication.Mode.parse("2")).isEqualTo(Replication.Mode.ALWAYS);
    assertThat(Replication.Mode.parse("1")).isEqualTo(Replication.Mode.NEVER);
    assertThatThrownBy(() -> Replication.Mode.parse("3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1, 2 or adaptive");
  }
}
