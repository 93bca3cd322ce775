package org.entente.coordinator.jobs;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.entente.coordinator.model.JobArray;
import org.entente.coordinator.model.JobRecord;
import org.entente.coordinator.model.ShardRecord;
import org.entente.coordinator.model.TrainingRecord;
import org.entente.coordinator.scheduler.ResourceVector;
import org.entente.proto.v1.Checkpoint;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.JobSummary;
import org.entente.proto.v1.ResourceAmounts;
import org.entente.proto.v1.RoundContribution;
import org.entente.proto.v1.RoundOutcome;
import org.entente.proto.v1.ShardOutput;
import org.entente.proto.v1.ShardStatus;
import org.entente.proto.v1.TrainingStatus;

/** Records to their wire form. Stateless. */
public final class JobProtos {
  private JobProtos() {}

  /** A job's summary; {@code shards} may be null when not at hand. */
  public static JobSummary summary(JobRecord job, List<ShardRecord> shards) {
    JobSummary.Builder b =
        JobSummary.newBuilder()
            .setJobId(job.id())
            .setName(job.spec().name())
            .setKind(job.spec().kind())
            .setNation(job.nation())
            .setSubmittedBy(job.submittedBy())
            .setState(job.state().name())
            .setShards(job.spec().shards())
            .setPriority(job.spec().priority())
            .setSubmittedAtUnixMs(job.submittedAtMs())
            .setFinishedAtUnixMs(job.finishedAtMs())
            .setReason(job.reason() == null ? "" : job.reason())
            .setArrayIndex(JobArray.indexOf(job.spec()));
    if (shards != null) {
      Map<String, Integer> counts = new TreeMap<>();
      shards.forEach(s -> counts.merge(s.state().name(), 1, Integer::sum));
      b.putAllShardStates(counts);
    }
    return b.build();
  }

  public static JobStatus status(JobRecord job, List<ShardRecord> shards) {
    JobStatus.Builder b =
        JobStatus.newBuilder().setSummary(summary(job, shards)).setSpec(job.spec().toProto());
    for (ShardRecord s : shards) {
      b.addShards(
          ShardStatus.newBuilder()
              .setIndex(s.index())
              .setState(s.state().name())
              .setNode(s.node() == null ? "" : s.node())
              .setAttempt(s.attempt())
              .setReason(s.reason() == null ? "" : s.reason())
              .setRetries(s.retries())
              .setPlacedAtUnixMs(s.placedAtMs())
              .setStartedAtUnixMs(s.startedAtMs())
              .setFinishedAtUnixMs(s.finishedAtMs())
              .setNotBeforeUnixMs(s.notBeforeMs()));
      if (s.output() != null) {
        b.getShardsBuilder(b.getShardsCount() - 1)
            .setOutput(
                ShardOutput.newBuilder()
                    .setSha256(s.output().sha256())
                    .setSizeBytes(s.output().sizeBytes())
                    .setRows(s.output().rows()));
      }
      if (s.check() != null) {
        var sb = b.getShardsBuilder(b.getShardsCount() - 1);
        sb.setRunsSameNation(s.check().sameNation());
        for (var r : s.check().runs()) {
          String attempt = r.receiptId().substring(r.receiptId().lastIndexOf('#') + 1);
          sb.addRuns(
              org.entente.proto.v1.ShardRun.newBuilder()
                  .setAttempt(Integer.parseInt(attempt))
                  .setNode(r.node())
                  .setOutputSha256(r.sha256()));
        }
      }
    }
    TrainingRecord t = job.training();
    if (t != null) {
      TrainingStatus.Builder tb = TrainingStatus.newBuilder().setRounds(t.rounds());
      if (t.checkpoint() != null) {
        tb.setCheckpoint(checkpoint(t.checkpoint()));
      }
      for (TrainingRecord.RoundRecord r : t.recent()) {
        RoundOutcome.Builder rb =
            RoundOutcome.newBuilder()
                .setRound(r.round())
                .addAllMissing(r.missing())
                .setClosedBy(r.closedBy())
                .setLoss(r.loss())
                .setExamples(r.examples())
                .setCheckpoint(checkpoint(r.checkpoint()))
                .setOpenedAtUnixMs(r.openedAtMs())
                .setClosedAtUnixMs(r.closedAtMs());
        for (TrainingRecord.Contribution c : r.contributions()) {
          rb.addContributions(
              RoundContribution.newBuilder()
                  .setShard(c.shard())
                  .setAttempt(c.attempt())
                  .setExamples(c.examples())
                  .setLoss(c.loss()));
        }
        tb.addRecent(rb);
      }
      b.setTraining(tb);
    }
    return b.build();
  }

  public static Checkpoint checkpoint(TrainingRecord.CheckpointRef c) {
    return Checkpoint.newBuilder()
        .setRound(c.round())
        .setSha256(c.sha256())
        .setSizeBytes(c.sizeBytes())
        .build();
  }

  public static ResourceAmounts amounts(ResourceVector v) {
    return ResourceAmounts.newBuilder()
        .setGpus(v.gpus())
        .setCpus(v.cpus())
        .setMemoryBytes(v.memoryBytes())
        .build();
  }
}
