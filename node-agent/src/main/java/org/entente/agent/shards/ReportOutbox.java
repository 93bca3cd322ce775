package org.entente.agent.shards;

import java.time.Clock;
import java.util.List;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardPhase;
import org.entente.proto.v1.ShardReport;
import org.entente.proto.v1.ShardReportAck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reports half of the {@link ShardSupervisor}: makes reports (a terminal one with the attempt's
 * outputs and its signed usage receipt), keeps each until the coordinator acknowledges it, and
 * sends it. A resent terminal report is the same bytes, receipt included, so the leader recognises
 * it. Not thread-safe: the supervisor's monitor guards it.
 */
final class ReportOutbox {
  private static final Logger log = LoggerFactory.getLogger(ReportOutbox.class);
  private static final int MAX_MESSAGE_CHARS = 1000;

  private final ReportSink sink;
  private final Clock clock;
  private final ReceiptSigner receipts;
  private final PendingReports unacked;
  private final int capacity;
  private long dropped;

  ReportOutbox(ReportSink sink, Clock clock, ReceiptSigner receipts, int capacity) {
    this.sink = sink;
    this.clock = clock;
    this.receipts = receipts;
    this.capacity = capacity;
    this.unacked = new PendingReports(capacity);
  }

  ShardReport report(ShardAssignment a, ShardPhase phase, String message) {
    String clipped =
        message.length() > MAX_MESSAGE_CHARS
            ? message.substring(0, MAX_MESSAGE_CHARS) + "..."
            : message;
    return ShardReport.newBuilder()
        .setJobId(a.getJobId())
        .setShard(a.getShard())
        .setAttempt(a.getAttempt())
        .setPhase(phase)
        .setMessage(clipped)
        .setAtUnixMs(clock.millis())
        .build();
  }

  /** The attempt's one terminal report, with its outputs and its signed receipt. */
  ShardReport terminal(Attempt at, Attempt.Stop end) {
    ShardReport r = report(at.assignment, end.phase(), end.message());
    ShardReport.Builder b = r.toBuilder();
    List<String> outputs = List.of();
    if (end.phase() == ShardPhase.SHARD_PHASE_SUCCEEDED && at.output() != null) {
      b.setOutput(at.output());
      outputs = List.of(at.output().getSha256());
    }
    String phase = end.phase().name().substring("SHARD_PHASE_".length());
    b.setReceipt(
        receipts.sign(at.assignment, phase, at.running.getAtUnixMs(), r.getAtUnixMs(), outputs));
    return b.build();
  }

  /** Keeps the report until acknowledged, and sends it. */
  void record(ShardReport r) {
    unacked.add(
        r,
        gone -> {
          dropped++;
          log.warn(
              "dropping unacknowledged report {} of shard {}/{}#{}: more than {} are waiting",
              gone.getPhase(),
              gone.getJobId(),
              gone.getShard(),
              gone.getAttempt(),
              capacity);
        });
    deliver(r);
  }

  void resendTerminal(String jobId, int shard, int attempt) {
    unacked.terminalOf(jobId, shard, attempt).forEach(this::deliver);
  }

  void acknowledge(ShardReportAck ack) {
    unacked.acknowledge(ack);
  }

  boolean contains(ShardReport r) {
    return unacked.contains(r);
  }

  List<ShardReport> all() {
    return unacked.all();
  }

  long dropped() {
    return dropped;
  }

  private void deliver(ShardReport r) {
    try {
      sink.send(r);
    } catch (RuntimeException e) {
      log.warn(
          "could not send the report of shard {}/{}#{}; it stays pending",
          r.getJobId(),
          r.getShard(),
          r.getAttempt(),
          e);
    }
  }
}
