package org.entente.coordinator.scheduler;

import java.util.Objects;

/**
 * Decides, from one {@link Snapshot}, which pending shards go on which nodes and which running
 * shards to preempt for them. Pure: no I/O, no clock, no randomness but the snapshot's seed; the
 * same snapshot always gives equal {@link Decisions}. Immutable and thread-safe; each call works on
 * its own state.
 *
 * <h2>Goals</h2>
 *
 * <ul>
 *   <li>Every nation gets its nominal quota when it asks for it, and may borrow what others leave
 *       unused within their lending limits and its own borrowing limit.
 *   <li>Among nations that want more, capacity goes to the one with the lowest weighted dominant
 *       share, counting recent history ({@link FairShare}).
 *   <li>Whole nodes stay free for gangs: each shard takes the tightest node that fits.
 *   <li>Every shard left waiting has a reason a person can act on.
 *   <li>Preemption never oscillates: a victim can never preempt its preemptor back.
 * </ul>
 *
 * <h2>Constraints</h2>
 *
 * A node may take a shard only if every {@link Constraint} allows it: {@link
 * SchedulableConstraint}, {@link JurisdictionConstraint}, {@link GpuModelConstraint}, {@link
 * GpuMemoryConstraint}, {@link LabelsConstraint}, {@link SpreadConstraint} and {@link
 * GpuCountConstraint} (free GPUs, CPUs and memory). A nation may take a shard only if {@link
 * CohortQuota} admits it. A gang job's shards are placed all in one pass or none.
 *
 * <h2>Algorithm</h2>
 *
 * <ol>
 *   <li>Group nodes into pools that the static constraints treat alike, each bucketed by free GPUs
 *       and sorted by free CPUs, free memory and a tie rank hashed from the seed and the node id.
 *   <li>Charge running shards to their nodes and nations.
 *   <li>Put each nation with pending jobs in a heap keyed by its share. Repeatedly take the nation
 *       with the lowest share and its next job (higher priority first, then older): place each
 *       shard on the best-fit node among the pools its static constraints admit, checking quota
 *       first; if nothing fits, ask {@link PreemptionPlanner} (lower priority in the same nation,
 *       then quota reclaim from borrowers) and place on the node it frees. A job that still does
 *       not fit waits with a reason from {@link NoFitExplainer} or the quota, the next job is tried
 *       (backfill), and the failure is remembered for its shape (nation, priority, demand, rules,
 *       gang size) so identical shards cost O(1) for the rest of the pass. A gang that does not fit
 *       whole is rolled back. The nation goes back in the heap with its new share.
 * </ol>
 *
 * Cost: O(P log N) per placed shard for P eligible pools and N nodes, O(1) per shard of a shape
 * already known not to fit, plus one explanation per such shape.
 *
 * <h2>Example</h2>
 *
 * Nodes DE/a (8 GPUs, 2 free) and DE/b (8 free); FR nominal 0 with unlimited borrowing, DE nominal
 * 16. Pending: DE job d (1 GPU, priority 0), FR gang f of 8 × 1 GPU. Shares are equal (0), so DE
 * goes first by name: d takes DE/a (best fit: 1 of 8 GPUs free after, keeping DE/b whole). FR's
 * gang then borrows all 8 GPUs of DE/b, which the cohort can lend since DE leaves 9 unused. Had the
 * gang been 9 shards, none would be placed and all 9 would wait with "gang of 9: only 8 shards fit;
 * no node of 2 fits ...".
 */
public final class Scheduler {
  /** Half-life assumed by {@link #schedule(Snapshot)} for the fair-share history. */
  public static final long DEFAULT_USAGE_HALF_LIFE_MS = 3_600_000;

  private static final Scheduler DEFAULT = new Scheduler(DEFAULT_USAGE_HALF_LIFE_MS);

  private final double tauSeconds;

  /**
   * @param usageHalfLifeMs the half-life the {@link FairShareInput} histories were decayed with
   */
  public Scheduler(long usageHalfLifeMs) {
    this.tauSeconds = UsageDecay.horizonSeconds(usageHalfLifeMs);
  }

  /** One pass with histories decayed at {@link #DEFAULT_USAGE_HALF_LIFE_MS}. */
  public static Decisions schedule(Snapshot snapshot) {
    return DEFAULT.decide(snapshot);
  }

  /** One pass. */
  public Decisions decide(Snapshot snapshot) {
    return new SchedulingPass(Objects.requireNonNull(snapshot, "snapshot"), tauSeconds).run();
  }
}
