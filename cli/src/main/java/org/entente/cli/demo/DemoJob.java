package org.entente.cli.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.GetJobRequest;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.JobStatus;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.ShardStatus;
import org.entente.proto.v1.SubmitJobRequest;

/**
 * The demo's first workload: a gang of three training shards, one per nation, submitted by the DE
 * operator through the real API, with a line per change of its shards until it ends.
 */
final class DemoJob {
  private DemoJob() {}

  static JobSpec spec() {
    return JobSpec.newBuilder()
        .setName("demo-federated")
        .setKind("training")
        .setShards(3)
        .setGang(true)
        .setPriority(10)
        .setRetryLimit(3)
        .setResources(ShardResources.newBuilder().setCpus(1).setMemoryBytes(256L << 20))
        .setPlacement(
            PlacementRules.newBuilder()
                .addAllJurisdictions(List.of("DE", "FR", "JP"))
                .setSpread(true))
        .putParameters("duration", "8s")
        .build();
  }

  /** Submits the job and prints its progress until it ends; returns its id. */
  static String run(FederationClient client, PrintWriter out, long deadlineMs)
      throws InterruptedException {
    String id =
        client
            .jobs(
                s ->
                    s.submitJob(
                        SubmitJobRequest.newBuilder()
                            .setSpec(spec())
                            .setNation("DE")
                            .setRequestId(UUID.randomUUID().toString())
                            .build()))
            .getJobId();
    out.printf(
        "%nSubmitted job %s (demo-federated): a gang of 3 training shards, one per nation.%n", id);
    out.flush();
    String last = "";
    long start = System.nanoTime();
    while (System.nanoTime() - start < deadlineMs * 1_000_000L) {
      JobStatus s = client.jobs(c -> c.getJob(GetJobRequest.newBuilder().setJobId(id).build()));
      String now = describe(s);
      if (!now.equals(last)) {
        out.printf("  %5.1f s  %s%n", (System.nanoTime() - start) / 1e9, now);
        out.flush();
        last = now;
      }
      String state = s.getSummary().getState();
      if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
        if (!s.getSummary().getReason().isEmpty()) {
          out.println("           " + s.getSummary().getReason());
        }
        return id;
      }
      Thread.sleep(200); // a progress display polls; nothing waits on this for correctness
    }
    out.println("  (still running; follow it with ./entente job " + id + ")");
    return id;
  }

  private static String describe(JobStatus s) {
    List<String> parts = new ArrayList<>();
    for (ShardStatus sh : s.getShardsList()) {
      parts.add(
          sh.getIndex() + ":" + sh.getState() + (sh.getNode().isEmpty() ? "" : "@" + sh.getNode()));
    }
    return s.getSummary().getState() + "  " + String.join("  ", parts);
  }
}
