package org.entente.coordinator.ledger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.entente.coordinator.model.Replication;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.QuarantineEntry;
import org.entente.proto.v1.RunOutput;
import org.entente.proto.v1.UsageReceipt;
import org.entente.proto.v1.VerificationEntry;

/**
 * The audit of verified work: every verdict is recomputed from the agents' own signed output
 * digests, so a leader can neither credit a run whose output disagreed nor frame an honest node.
 * Rules: each run names an earlier dual-signed receipt of the same shard, held for its check, by
 * the node and nation the entry says, with the output digest the agent signed; the outcome, the
 * accepted digest and the agreeing and wrong runs are what {@link Replication} decides on those
 * runs; no receipt is settled twice; the leader quarantines only a node a verdict found wrong or
 * whose own signed receipt claimed more than the leader observed. Not thread-safe.
 */
public final class VerificationAudit {
  /** What the audit keeps of a replicated run's receipt. */
  private record Run(
      String jobId, int shard, String node, String nation, Set<String> outputs, boolean signed) {}

  private final Map<String, Run> held = new HashMap<>();
  private final Set<String> settled = new HashSet<>();
  private final Set<String> foundWrong = new HashSet<>();

  /** Notes a closed attempt; {@code agent} is its decoded receipt, null for a leader-only one. */
  void receipt(Observation o, UsageReceipt agent) {
    if (!o.getHeldForCheck()) {
      return;
    }
    held.put(
        o.getReceiptId(),
        new Run(
            o.getJobId(),
            o.getShard(),
            o.getNode(),
            o.getNodeNation(),
            agent == null ? Set.of() : new TreeSet<>(agent.getOutputSha256List()),
            agent != null));
  }

  /** Notes a node whose own signed receipt claimed more than the leader observed. */
  void overClaimed(String node) {
    foundWrong.add(node);
  }

  /** Checks a verdict; returns the problems (empty when it holds). */
  List<Problem> verification(long index, VerificationEntry v) {
    List<Problem> out = new ArrayList<>();
    List<org.entente.coordinator.model.RunOutput> runs = new ArrayList<>();
    Set<String> nations = new TreeSet<>();
    for (RunOutput r : v.getRunsList()) {
      Run known = held.get(r.getReceiptId());
      String where = v.getJobId() + "/" + v.getShard() + ": run " + r.getReceiptId();
      if (known == null || !known.signed()) {
        out.add(problem(index, where + " is no earlier dual-signed receipt held for its check"));
        continue;
      }
      if (!known.jobId().equals(v.getJobId()) || known.shard() != v.getShard()) {
        out.add(problem(index, where + " belongs to another shard"));
        continue;
      }
      if (!known.node().equals(r.getNode()) || !known.nation().equals(r.getNodeNation())) {
        out.add(problem(index, where + " ran on " + known.node() + ", not " + r.getNode()));
        continue;
      }
      boolean digestSigned =
          r.getOutputSha256().isEmpty()
              ? known.outputs().isEmpty()
              : known.outputs().contains(r.getOutputSha256());
      if (!digestSigned) {
        out.add(
            problem(
                index,
                where
                    + " names output "
                    + r.getOutputSha256()
                    + " but the agent signed "
                    + known.outputs()));
        continue;
      }
      nations.add(r.getNodeNation());
      runs.add(
          new org.entente.coordinator.model.RunOutput(
              r.getReceiptId(), r.getNode(), r.getNodeNation(), r.getOutputSha256(), 0, 0));
    }
    if (!out.isEmpty()) {
      return out;
    }
    if (runs.isEmpty()) {
      return List.of(problem(index, v.getJobId() + "/" + v.getShard() + ": a verdict on no runs"));
    }
    // Only how many nations were allowed matters to the quorum: one (same_nation) or several.
    Set<String> allowed = v.getSameNation() ? Set.of("one") : Set.of("one", "two");
    Replication.Next next = Replication.after(runs, true, allowed);
    String why = expected(v, next);
    if (why != null) {
      return List.of(problem(index, v.getJobId() + "/" + v.getShard() + ": " + why));
    }
    for (String id : v.getAgreeingReceiptsList()) {
      if (!settled.add(id)) {
        out.add(problem(index, id + " was credited or withheld by an earlier verdict"));
      }
    }
    for (String id : v.getWrongReceiptsList()) {
      if (!settled.add(id)) {
        out.add(problem(index, id + " was credited or withheld by an earlier verdict"));
      }
      Run r = held.get(id);
      if (r != null && v.getOutcome().equals("majority")) {
        foundWrong.add(r.node());
      }
    }
    return out;
  }

  /** Why the entry is not what the runs give, or null when it is. */
  private static String expected(VerificationEntry v, Replication.Next next) {
    String outcome = v.getOutcome();
    if (next instanceof Replication.Accept a) {
      if (!outcome.equals(a.outcome())) {
        return "the runs give '" + a.outcome() + "', the entry says '" + outcome + "'";
      }
      if (!a.sha256().equals(v.getAcceptedSha256())) {
        return "the runs agree on " + a.sha256() + ", the entry accepts " + v.getAcceptedSha256();
      }
      Set<String> agreeing = new TreeSet<>();
      a.agreeing().forEach(r -> agreeing.add(r.receiptId()));
      Set<String> wrong = new TreeSet<>();
      a.wrong().forEach(r -> wrong.add(r.receiptId()));
      if (!agreeing.equals(new TreeSet<>(v.getAgreeingReceiptsList()))
          || !wrong.equals(new TreeSet<>(v.getWrongReceiptsList()))) {
        return "the agreeing runs are "
            + agreeing
            + " and the wrong ones "
            + wrong
            + ", the entry credits "
            + v.getAgreeingReceiptsList()
            + " and withholds "
            + v.getWrongReceiptsList();
      }
      return null;
    }
    if (next instanceof Replication.RunAgain) {
      if (!outcome.equals("disagreement")
          || v.getRunsCount() < 2
          || v.getAgreeingReceiptsCount() > 0
          || v.getWrongReceiptsCount() > 0) {
        return "the runs form no quorum yet, so only a disagreement that settles nothing fits;"
            + " the entry says '"
            + outcome
            + "'";
      }
      return null;
    }
    Set<String> all = new TreeSet<>();
    v.getRunsList().forEach(r -> all.add(r.getReceiptId()));
    if (!outcome.equals("no-majority")
        || v.getAgreeingReceiptsCount() > 0
        || !all.equals(new TreeSet<>(v.getWrongReceiptsList()))) {
      return "no two runs agree, so every run is withheld ('no-majority'); the entry says '"
          + outcome
          + "'";
    }
    return null;
  }

  /** Who may decide about a node: a governance proposal of the log, by id. */
  interface Governed {
    boolean decides(String proposalId, String node, boolean quarantined);
  }

  /**
   * Checks a quarantine or release: the leader quarantines only a node found wrong; every other
   * decision names a governance proposal of the log that made it.
   */
  List<Problem> quarantine(long index, QuarantineEntry q, Governed governed) {
    String by = q.getBy();
    if (by.startsWith("governance:")) {
      if (!governed.decides(
          by.substring("governance:".length()), q.getNode(), q.getQuarantined())) {
        return List.of(
            new Problem(
                index,
                "quarantine",
                (q.getQuarantined() ? "the quarantine" : "the release")
                    + " of "
                    + q.getNode()
                    + " names "
                    + by
                    + ", but no approved proposal of the log decides it"));
      }
      return List.of();
    }
    if (!q.getQuarantined()) {
      return List.of(
          new Problem(
              index,
              "quarantine",
              "the release of "
                  + q.getNode()
                  + " names no governance proposal that released it (by '"
                  + by
                  + "')"));
    }
    if (!by.equals("leader") || !foundWrong.contains(q.getNode())) {
      return List.of(
          new Problem(
              index,
              "quarantine",
              "the leader quarantined "
                  + q.getNode()
                  + " but no earlier verdict found a result of it wrong, nor did it over-claim"));
    }
    return List.of();
  }

  /**
   * Applies a sealed verdict or quarantine that held when it was read: credits and withholds, and
   * the track records. A verdict relying on a receipt whose signature failed (known only once the
   * signatures are checked) settles nothing; that is the problem returned, else null.
   */
  static Problem settle(
      long index,
      org.entente.proto.v1.LedgerEntry e,
      java.util.function.Predicate<String> badReceipt,
      Accounts accounts,
      TrackRecords tracks) {
    if (e.hasQuarantine()) {
      tracks.quarantine(e.getQuarantine());
      return null;
    }
    VerificationEntry v = e.getVerification();
    for (RunOutput r : v.getRunsList()) {
      if (badReceipt.test(r.getReceiptId())) {
        return problem(
            index,
            "the verdict on "
                + v.getJobId()
                + "/"
                + v.getShard()
                + " relies on "
                + r.getReceiptId()
                + ", whose signature does not verify");
      }
    }
    v.getAgreeingReceiptsList().forEach(accounts::release);
    v.getWrongReceiptsList().forEach(accounts::withhold);
    tracks.verdict(v);
    return null;
  }

  private static Problem problem(long index, String detail) {
    return new Problem(index, "verification", detail);
  }
}
