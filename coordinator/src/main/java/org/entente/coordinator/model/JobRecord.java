package org.entente.coordinator.model;

/**
 * A job as stored at {@code /jobs/<id>}: who submitted it, on whose account, and its spec. Written
 * by the leader only, in fenced transactions. {@code order} is the leader-assigned submission
 * sequence (epoch in the high bits), so it grows across leaders. {@code training} is null until a
 * training job closes its first FedAvg round. Immutable.
 */
public record JobRecord(
    String id,
    String nation,
    String submittedBy,
    String requestId,
    JobSpec spec,
    long order,
    long submittedAtMs,
    JobState state,
    String reason,
    long finishedAtMs,
    TrainingRecord training) {

  /** A job without training progress (yet). */
  public JobRecord(
      String id,
      String nation,
      String submittedBy,
      String requestId,
      JobSpec spec,
      long order,
      long submittedAtMs,
      JobState state,
      String reason,
      long finishedAtMs) {
    this(
        id,
        nation,
        submittedBy,
        requestId,
        spec,
        order,
        submittedAtMs,
        state,
        reason,
        finishedAtMs,
        null);
  }

  public JobRecord withTraining(TrainingRecord t) {
    return new JobRecord(
        id,
        nation,
        submittedBy,
        requestId,
        spec,
        order,
        submittedAtMs,
        state,
        reason,
        finishedAtMs,
        t);
  }

  public JobRecord finish(JobState next, String why, long atMs) {
    return new JobRecord(
        id, nation, submittedBy, requestId, spec, order, submittedAtMs, next, why, atMs, training);
  }

  public JobRecord withState(JobState next) {
    return new JobRecord(
        id,
        nation,
        submittedBy,
        requestId,
        spec,
        order,
        submittedAtMs,
        next,
        reason,
        finishedAtMs,
        training);
  }
}
