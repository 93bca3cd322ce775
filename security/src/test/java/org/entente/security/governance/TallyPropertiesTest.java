package org.entente.security.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The verdict over random approval sets: it counts exactly the distinct member nations with a
 * valid, same-proposal approval signed by the expiry, and nothing else moves it.
 */
class TallyPropertiesTest {
  private static final List<String> NATIONS = List.of("DE", "FR", "JP", "PL", "IT", "ES");
  private static final long EXPIRES = 1_000;

  @Provide
  Arbitrary<List<Tally.Vote>> votes() {
    return vote().list().ofMaxSize(12);
  }

  private static Arbitrary<Tally.Vote> vote() {
    return Combinators.combine(
            Arbitraries.of(NATIONS),
            Arbitraries.of(true, true, true, false),
            Arbitraries.longs().between(0, 2 * EXPIRES),
            Arbitraries.of((String) null, null, null, "the signature does not verify"))
        .as((n, same, at, refused) -> new Tally.Vote(n, n + "/ops", same, at, refused));
  }

  @Provide
  Arbitrary<Set<String>> members() {
    return Arbitraries.of(NATIONS).set().ofMinSize(1).ofMaxSize(NATIONS.size());
  }

  private static boolean valid(Tally.Vote v, Set<String> members) {
    return v.refused() == null
        && v.sameProposal()
        && members.contains(v.nation())
        && v.signedAtMs() <= EXPIRES;
  }

  @Property(tries = 400)
  void approving_isExactlyTheDistinctMembersWithAValidVote(
      @ForAll("members") Set<String> members,
      @ForAll("votes") List<Tally.Vote> votes,
      @ForAll @IntRange(min = 0, max = 6) int threshold) {
    Tally t = Tally.count(members, threshold, EXPIRES, votes);

    Set<String> expected = new TreeSet<>();
    votes.stream().filter(v -> valid(v, members)).forEach(v -> expected.add(v.nation()));
    assertThat(t.approving()).isEqualTo(expected);
    assertThat(t.reached()).isEqualTo(expected.size() >= Tally.required(threshold, members.size()));
    assertThat(t.approving().size()).isLessThanOrEqualTo(members.size());
    Set<String> missing = new TreeSet<>(members);
    missing.removeAll(expected);
    assertThat(t.missing()).isEqualTo(missing);
    assertThat(t.reasons()).hasSize(votes.size());
  }

  @Property(tries = 300)
  void theOrderOfVotes_changesNotWhoApproves(
      @ForAll("members") Set<String> members, @ForAll("votes") List<Tally.Vote> votes) {
    List<Tally.Vote> shuffled = new ArrayList<>(votes);
    Collections.reverse(shuffled);

    assertThat(Tally.count(members, 0, EXPIRES, shuffled).approving())
        .isEqualTo(Tally.count(members, 0, EXPIRES, votes).approving());
  }

  @Property(tries = 300)
  void moreApprovalsOfAnAlreadyCountedNation_changeNothing(
      @ForAll("members") Set<String> members,
      @ForAll("votes") List<Tally.Vote> votes,
      @ForAll @IntRange(min = 1, max = 5) int copies) {
    Tally before = Tally.count(members, 0, EXPIRES, votes);
    List<Tally.Vote> more = new ArrayList<>(votes);
    for (String n : before.approving()) {
      for (int i = 0; i < copies; i++) {
        more.add(new Tally.Vote(n, n + "/ops-" + (i + 2), true, 0, null));
      }
    }

    Tally after = Tally.count(members, 0, EXPIRES, more);

    assertThat(after.approving()).isEqualTo(before.approving());
    assertThat(after.reached()).isEqualTo(before.reached());
  }

  @Property(tries = 300)
  void removingAMember_neverAddsApprovals(
      @ForAll("members") Set<String> members, @ForAll("votes") List<Tally.Vote> votes) {
    String removed = members.iterator().next();
    Set<String> fewer = new TreeSet<>(members);
    fewer.remove(removed);

    Tally t = Tally.count(fewer, 0, EXPIRES, votes);

    assertThat(t.approving()).doesNotContain(removed);
    assertThat(Tally.count(members, 0, EXPIRES, votes).approving()).containsAll(t.approving());
  }

  @Property(tries = 200)
  void votesSignedAfterExpiry_neverCount(
      @ForAll("members") Set<String> members, @ForAll @IntRange(min = 1, max = 10_000) int late) {
    List<Tally.Vote> votes = new ArrayList<>();
    for (String n : members) {
      votes.add(new Tally.Vote(n, n + "/ops", true, EXPIRES + late, null));
    }

    Tally t = Tally.count(members, 0, EXPIRES, votes);

    assertThat(t.approving()).isEmpty();
    assertThat(t.reached()).isFalse();
  }
}
