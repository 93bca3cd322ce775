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
 * Nodes DE/a (8 GPUs, 6 held by a DE shard) and DE/b (8 GPUs, all free); no quotas are given, so
 * DE's nominal is the 16 GPUs it contributes and FR's is 0, both without limits. Pending: FR job f
 * of one 1-GPU shard and DE gang g of 10 such shards, all priority 0.
 *
 * <ul>
 *   <li>Pass 1. FR's share is 0 and DE's 6/16, so FR goes first: f takes DE/a, the tightest fit
 *       ("placed on DE/a: best fit, 1 of 8 GPUs free after"), borrowing 1 of DE's 10 unused GPUs.
 *       Then DE's gang: 9 shards fit (1 on DE/a, 8 on DE/b) and the 10th does not; f was placed in
 *       this pass and is no candidate for preemption, so the 9 are rolled back and all 10 wait with
 *       "gang of 10: only 9 shards fit; no node of 2 fits 1 GPU, ...".
 *   <li>Pass 2, with f running. The gang's 10th shard fits nowhere, DE stays within its nominal
 *       with it and FR borrows, so f is preempted ("FR borrows 1 GPU above its nominal 0 and DE
 *       reclaims its quota for g/9 on DE/a") and the whole gang is placed. In pass 3 f waits: FR
 *       would borrow again, which DE's usage leaves no room for, and FR has nothing to reclaim.
 * </ul>
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
