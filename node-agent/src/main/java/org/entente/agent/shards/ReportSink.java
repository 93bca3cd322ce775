package org.entente.agent.shards;

import org.entente.proto.v1.ShardReport;

/**
 * Where the {@link ShardSupervisor} sends each new report as it is made. The supervisor keeps every
 * report until it is acknowledged, so a sink may drop reports it cannot deliver now (no stream).
 * Called while the supervisor holds its lock: implementations must not block and must not call back
 * into the supervisor.
 */
@FunctionalInterface
public interface ReportSink {
  void send(ShardReport report);
}
