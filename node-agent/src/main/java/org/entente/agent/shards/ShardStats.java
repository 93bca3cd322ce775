package org.entente.agent.shards;

/**
 * Counts of what a {@link ShardSupervisor} has done since it started. Immutable.
 *
 * @param started attempts started
 * @param succeeded attempts that ended SUCCEEDED
 * @param failed attempts that ended FAILED
 * @param cancelled attempts that ended CANCELLED
 * @param droppedReports unacknowledged reports dropped to bound memory
 */
public record ShardStats(
    long started, long succeeded, long failed, long cancelled, long droppedReports) {}
