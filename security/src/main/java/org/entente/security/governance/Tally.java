package org.entente.security.governance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Whether a proposal's approvals reach the threshold: the verdict logic, pure. An approval counts
 * only when its signature and certificate held ({@link Vote#refused} is null), it names the exact
 * proposal bytes, its nation is a member now, it was signed by the proposal's expiry, and no
 * earlier approval of the same nation counted (two operators of one nation are one nation).
 * Immutable.
 *
 * @param approving the member nations whose approvals count
 * @param required how many distinct nations it needs
 * @param missing members that have not approved
 * @param reasons per vote, in order: null when it counts, else why not
 */
public record Tally(
    SortedSet<String> approving, int required, SortedSet<String> missing, List<String> reasons) {

  /**
   * One approval as checked against the state it is counted in.
   *
   * @param nation the approver's nation (from its verified certificate)
   * @param approver the approver's identity URI
   * @param sameProposal whether it names the exact proposal bytes counted
   * @param signedAtMs when the approver signed it
   * @param refused why its signature or certificate does not hold, or null when they do
   */
  public record Vote(
      String nation, String approver, boolean sameProposal, long signedAtMs, String refused) {}

  public Tally {
    approving = Collections.unmodifiableSortedSet(new TreeSet<>(approving));
    missing = Collections.unmodifiableSortedSet(new TreeSet<>(missing));
    reasons = Collections.unmodifiableList(new ArrayList<>(reasons));
  }

  /** Whether the approvals reach the threshold. */
  public boolean reached() {
    return approving.size() >= required;
  }

  /**
   * Approvals from distinct nations a proposal needs: {@code threshold} when positive (at most
   * every member), else a strict majority of the members.
   */
  public static int required(int threshold, int members) {
    if (members <= 0) {
      return 1;
    }
    return threshold > 0 ? Math.min(threshold, members) : members / 2 + 1;
  }

  /** Counts {@code votes} for a proposal expiring at {@code expiresAtMs}. */
  public static Tally count(
      Set<String> members, int threshold, long expiresAtMs, List<Vote> votes) {
    SortedSet<String> approving = new TreeSet<>();
    List<String> reasons = new ArrayList<>(votes.size());
    for (Vote v : votes) {
      String why;
      if (v.refused() != null) {
        why = v.refused();
      } else if (!v.sameProposal()) {
        why = "it approves other proposal bytes (the proposal was changed after approval)";
      } else if (!members.contains(v.nation())) {
        why = v.nation() + " is not a member nation";
      } else if (v.signedAtMs() > expiresAtMs) {
        why = "signed after the proposal expired";
      } else if (approving.contains(v.nation())) {
        why = v.nation() + " already approved: one nation counts once";
      } else {
        why = null;
        approving.add(v.nation());
      }
      reasons.add(why);
    }
    SortedSet<String> missing = new TreeSet<>(members);
    missing.removeAll(approving);
    return new Tally(approving, required(threshold, members.size()), missing, reasons);
  }
}
