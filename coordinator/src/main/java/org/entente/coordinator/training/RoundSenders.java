package org.entente.coordinator.training;

import org.entente.coordinator.errors.ConflictException;
import org.entente.coordinator.errors.ForbiddenException;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.jobs.JobView;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.NodeKey;
import org.entente.coordinator.model.ShardRecord;
import org.entente.proto.v1.RoundUpdateHeader;

/**
 * Who may send a FedAvg update: only the node a training shard is placed on, for the shard's
 * current attempt, while the job runs. Checked from the replica's job view, before any parameters
 * are taken in, and again by the leader. Thread-safe.
 */
final class RoundSenders {
  private final JobView view;

  RoundSenders(JobView view) {
    this.view = view;
  }

  /**
   * The job, if {@code node} holds the current attempt of the running training shard {@code h}
   * names.
   *
   * @throws NotFoundException for an unknown job
   * @throws InvalidRequestException for a job that is not training, or a shard it does not have
   * @throws ConflictException for an ended job, or an attempt that is not the current one
   * @throws ForbiddenException for a shard that is not placed on {@code node}
   */
  JobView.Job check(NodeKey node, RoundUpdateHeader h) {
    JobView.Job j =
        view.jobWithShards(h.getJobId())
            .orElseThrow(() -> new NotFoundException("no job " + h.getJobId()));
    JobRecord rec = j.record();
    if (!rec.spec().kind().equals("training")) {
      throw new InvalidRequestException(
          "job_id", "job " + rec.id() + " is an " + rec.spec().kind() + " job, not training");
    }
    if (rec.state().terminal()) {
      throw new ConflictException("job " + rec.id() + " has ended (" + rec.state() + ")");
    }
    if (h.getShard() < 0 || h.getShard() >= j.shards().size()) {
      throw new InvalidRequestException(
          "shard", "job " + rec.id() + " has no shard " + h.getShard());
    }
    ShardRecord s = j.shards().get(h.getShard());
    if (!node.toString().equals(s.node()) || !s.state().holdsNode()) {
      throw new ForbiddenException(
          "shard "
              + rec.id()
              + "/"
              + h.getShard()
              + " is not placed on "
              + node
              + "; a node sends updates only for its own shards");
    }
    if (s.attempt() != h.getAttempt()) {
      throw new ConflictException(
          "attempt "
              + h.getAttempt()
              + " of shard "
              + rec.id()
              + "/"
              + h.getShard()
              + " is not the current one (attempt "
              + s.attempt()
              + ")");
    }
    return j;
  }
}
