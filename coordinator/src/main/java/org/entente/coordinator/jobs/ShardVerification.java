package org.entente.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.entente.coordinator.SchedulingSettings;
import org.entente.coordinator.ledger.ReceiptIds;
import org.entente.coordinator.ledger.TrackRecords;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.model.CheckState;
import org.entente.coordinator.model.JobLifecycle;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.Replication;
import org.entente.coordinator.model.RunOutput;
import org.entente.coordinator.model.ShardRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's half of verified work: for a successful run of a replicated inference shard, whether
 * it must be checked (the node's track record from the ledger, a random draw for trusted nodes),
 * where the next run may go, and, once the runs settle, the shard's change with its verdict and
 * quarantines logged. The decisions are {@link Replication}'s. Not thread-safe; owned by the
 * leader's loop.
 */
final class ShardVerification {
  private static final Logger log = LoggerFactory.getLogger(ShardVerification.class);

  /** A run's decision, with the runs it was made on. */
  record Decision(Replication.Next next, List<RunOutput> runs, Set<String> allowed) {
    /** Whether the run's contribution waits for a verdict (every run but an unchecked one). */
    boolean held() {
      return !(next instanceof Replication.Accept a && a.outcome().equals("unchecked"));
    }
  }

  private final RandomGenerator random;
  private final CoordinatorMetrics metrics;

  ShardVerification(RandomGenerator random, CoordinatorMetrics metrics) {
    this.random = random;
    this.metrics = metrics;
  }

  /**
   * The decision for a vetted SUCCEEDED report of the shard's current attempt, or null when the
   * job's shards are not replicated.
   *
   * @param liveNations nations with nodes in the pool now
   */
  Decision decide(
      JobEntry e,
      ShardRecord s,
      Report r,
      TrackRecords tracks,
      Set<String> liveNations,
      SchedulingSettings.Verification settings) {
    Replication.Mode mode = e.job.spec().replication();
    if (mode == Replication.Mode.NEVER || !s.state().holdsNode()) {
      return null;
    }
    NodeKey node = NodeKey.parse(s.node());
    List<RunOutput> runs = new ArrayList<>(s.check() == null ? List.of() : s.check().runs());
    runs.add(
        new RunOutput(
            ReceiptIds.of(e.job.id(), s.index(), s.attempt()),
            s.node(),
            node.nation(),
            r.output() == null ? "" : r.output().sha256(),
            r.output() == null ? 0 : r.output().sizeBytes(),
            r.output() == null ? 0 : r.output().rows()));
    boolean check =
        mode == Replication.Mode.ALWAYS
            || !tracks.trusted(s.node(), settings.trustAfter())
            || random.nextDouble() < settings.checkFraction();
    Set<String> allowed = allowed(e, s.index(), liveNations, node.nation());
    return new Decision(Replication.after(runs, check, allowed), runs, allowed);
  }

  /** The nations the shard may run in that have nodes; the run's own if none. */
  private static Set<String> allowed(JobEntry e, int shard, Set<String> live, String runNation) {
    Set<String> out = new TreeSet<>(live);
    Set<String> rules = e.job.spec().placement().jurisdictions();
    if (!rules.isEmpty()) {
      out.retainAll(rules);
    }
    String pinned = e.job.spec().shardJurisdictions().get(shard);
    if (pinned != null) {
      out.retainAll(Set.of(pinned));
    }
    if (out.isEmpty()) {
      out.add(runNation);
    }
    return out;
  }

  /** The shard's change for a decision, with its verdict and quarantines appended to the ledger. */
  JobLifecycle.Change apply(
      JobEntry e,
      ShardRecord s,
      Decision d,
      LedgerDuties ledger,
      long now,
      long epoch,
      JobLifecycle.Backoff backoff) {
    String id = e.job.id();
    boolean sameNation = d.allowed().size() == 1;
    if (d.next() instanceof Replication.Accept a) {
      CheckState record =
          a.outcome().equals("unchecked")
              ? null
              : new CheckState(d.runs(), d.allowed(), Set.of(), sameNation);
      if (record != null) {
        ledger
            .verdicts()
            .verification(id, s.index(), a.outcome(), d.runs(), a, sameNation, now, epoch);
        metrics.verifications.labelValues(a.outcome()).inc();
      }
      for (RunOutput wrong : a.wrong()) {
        log.warn(
            "{}/{}: node {} returned {} where {} agreed on {}; quarantining it",
            id,
            s.index(),
            wrong.node(),
            wrong.sha256(),
            a.agreeing().stream().map(RunOutput::node).toList(),
            a.sha256());
        ledger
            .verdicts()
            .quarantine(
                wrong.node(),
                "returned output "
                    + wrong.sha256()
                    + " for "
                    + wrong.receiptId()
                    + " where "
                    + a.agreeing().stream().map(RunOutput::node).toList()
                    + " agreed on "
                    + a.sha256(),
                now,
                epoch);
      }
      RunOutput first = a.agreeing().get(0);
      String note =
          a.outcome().equals("unchecked")
              ? "unchecked (trusted node)"
              : "verified: " + a.agreeing().size() + " runs agree";
      return JobLifecycle.settled(
          e.view(), s.index(), s.attempt(), first.output(), record, note, now, epoch, backoff);
    }
    if (d.next() instanceof Replication.RunAgain again) {
      if (again.outcome().equals("disagreement")) {
        ledger
            .verdicts()
            .verification(id, s.index(), "disagreement", d.runs(), null, sameNation, now, epoch);
        metrics.verifications.labelValues("disagreement").inc();
        log.warn(
            "{}/{}: runs disagree ({}); running it again on {}",
            id,
            s.index(),
            d.runs().stream().map(x -> x.node() + "=" + x.sha256()).toList(),
            again.next().nations());
      }
      String why =
          (again.outcome().equals("check") ? "checking the result of " : "runs disagree; ")
              + s.node()
              + ": run again in "
              + again.next().nations()
              + (again.next().sameNation() ? " (the job's rules allow only this nation)" : "");
      return JobLifecycle.recheck(e.view(), s.index(), s.attempt(), again.next(), why, now, epoch);
    }
    Replication.Fail f = (Replication.Fail) d.next();
    ledger
        .verdicts()
        .verification(id, s.index(), "no-majority", d.runs(), null, sameNation, now, epoch);
    metrics.verifications.labelValues("no-majority").inc();
    return JobLifecycle.settled(
        e.view(), s.index(), s.attempt(), null, null, f.why(), now, epoch, backoff);
  }
}
