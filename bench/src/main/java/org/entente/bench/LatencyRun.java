package org.entente.bench;

import static org.entente.bench.LoopbackFederation.NATIONS;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.entente.proto.v1.SubmitJobRequest;

/**
 * Jobs submitted one at a time, each once the previous is placed, with per job (in milliseconds
 * from just before the SubmitJob call): the acknowledgement, the shard PLACED in ZooKeeper (seen by
 * a {@link PlacementWatch}), and the assignment reaching the agent; placement times are also split
 * by whether the call went to the leader or to a replica that forwards. Immutable.
 */
record LatencyRun(
    double[] ack, double[] placed, double[] assigned, double[] viaLeader, double[] forwarded) {
  static LatencyRun run(
      LoopbackFederation fed, String connect, String chroot, String label, int n, String leader)
      throws Exception {
    double[] ack = new double[n];
    double[] placed = new double[n];
    double[] assigned = new double[n];
    List<Double> viaLeader = new ArrayList<>();
    List<Double> forwarded = new ArrayList<>();
    try (PlacementWatch w = PlacementWatch.start(connect, chroot)) {
      for (int i = 0; i < n; i++) {
        String operator = NATIONS.get(i % 3);
        String entry = fed.entries().get((i / 3) % fed.entries().size());
        var client = fed.client(operator, entry);
        SubmitJobRequest req = SubmitBurst.request(label + "-" + i, operator);
        long t0 = System.nanoTime();
        String id = client.jobs(s -> s.submitJob(req)).getJobId();
        long acked = System.nanoTime();
        long at = w.awaitPlaced(id, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Long delivered;
        while ((delivered = fed.assignedAt(id)) == null && System.nanoTime() < deadline) {
          LockSupport.parkNanos(50_000);
        }
        ack[i] = (acked - t0) / 1e6;
        placed[i] = (at - t0) / 1e6;
        assigned[i] = delivered == null ? Double.NaN : (delivered - t0) / 1e6;
        (entry.equals(leader) ? viaLeader : forwarded).add(placed[i]);
      }
    }
    return new LatencyRun(
        ack,
        placed,
        assigned,
        viaLeader.stream().mapToDouble(Double::doubleValue).toArray(),
        forwarded.stream().mapToDouble(Double::doubleValue).toArray());
  }

  double placed(double q) {
    return quantile(placed, q);
  }

  void print(String label, int n) {
    System.out.printf(
        "%nlatency, %d jobs one at a time, %s:%n"
            + "  milliseconds from just before SubmitJob      p50     p99     max%n"
            + "  submit -> acknowledged                   %7.1f %7.1f %7.1f%n"
            + "  submit -> PLACED in ZooKeeper            %7.1f %7.1f %7.1f%n"
            + "  submit -> assignment on the agent        %7.1f %7.1f %7.1f%n"
            + "  PLACED, submitted via the leader         %7.1f %7.1f %7.1f (%d jobs)%n"
            + "  PLACED, via a forwarding replica         %7.1f %7.1f %7.1f (%d jobs)%n",
        n,
        label,
        quantile(ack, 0.5),
        quantile(ack, 0.99),
        quantile(ack, 1),
        quantile(placed, 0.5),
        quantile(placed, 0.99),
        quantile(placed, 1),
        quantile(assigned, 0.5),
        quantile(assigned, 0.99),
        quantile(assigned, 1),
        quantile(viaLeader, 0.5),
        quantile(viaLeader, 0.99),
        quantile(viaLeader, 1),
        viaLeader.length,
        quantile(forwarded, 0.5),
        quantile(forwarded, 0.99),
        quantile(forwarded, 1),
        forwarded.length);
  }

  /** Nearest rank. */
  static double quantile(double[] values, double q) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(q * s.length);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
  }
}
