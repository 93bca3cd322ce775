package org.entente.coordinator.dashboard;

import java.util.List;

/**
 * What the dashboard shows, as one replica sees the federation at {@code atMs}: the JSON of {@code
 * GET /api/overview}. Built by {@link OverviewBuilder}; every list is in a stable order so the page
 * can redraw without flicker. Immutable.
 *
 * @param replica the participant id of the replica answering
 * @param leader the participant id of the leader it knows, or empty
 */
public record Overview(
    long atMs,
    String replica,
    String leader,
    List<Nation> nations,
    List<Job> jobs,
    Ledger ledger,
    List<Proposal> proposals) {

  public Overview {
    nations = List.copyOf(nations);
    jobs = List.copyOf(jobs);
    proposals = List.copyOf(proposals);
  }

  /** A member nation: its nodes, its quota and what it contributed and consumed over time. */
  public record Nation(
      String name, List<Node> nodes, Quota quota, Totals totals, List<Point> contributions) {
    public Nation {
      nodes = List.copyOf(nodes);
      contributions = List.copyOf(contributions);
    }
  }

  /** A node as recorded: {@code ACTIVE}, {@code DRAINING} or {@code LOST}, with its GPUs. */
  public record Node(
      String name,
      String state,
      int gpus,
      List<String> gpuModels,
      int cpus,
      long memoryBytes,
      String replica,
      int shards) {
    public Node {
      gpuModels = List.copyOf(gpuModels);
    }
  }

  /**
   * A nation's quota against its use now. A {@code null} limit is unlimited.
   *
   * @param source {@code governed} or {@code contributed}
   */
  public record Quota(
      Amounts nominal,
      Amounts used,
      Amounts borrowed,
      Amounts borrowingLimit,
      Amounts contributed,
      String source) {}

  /** GPUs, CPUs and bytes of memory. */
  public record Amounts(long gpus, long cpus, long memoryBytes) {}

  /** A nation's counted GPU- and CPU-hours from the sealed receipts on this replica's log. */
  public record Totals(
      double contributedGpuHours,
      double consumedGpuHours,
      double contributedCpuHours,
      double consumedCpuHours,
      long receipts) {}

  /** Cumulative totals of one nation at {@code atMs}. */
  public record Point(
      long atMs,
      double contributedGpuHours,
      double consumedGpuHours,
      double contributedCpuHours,
      double consumedCpuHours) {}

  /** A job and where its shards are. */
  public record Job(
      String id,
      String name,
      String kind,
      String nation,
      String state,
      long submittedAtMs,
      List<Shard> shards) {
    public Job {
      shards = List.copyOf(shards);
    }
  }

  /** One shard: its state, the node of its last placement ({@code NATION/name}) and attempt. */
  public record Shard(int index, String state, String node, int attempt) {}

  /**
   * The log on this replica and the newest checkpoint a majority cosigned.
   *
   * @param entries entries this replica has read
   * @param checkpoint null while none is cosigned
   * @param alarms what this replica's witness refused (rollbacks, forks, edited entries)
   * @param governanceAlarms what this replica refused to follow in governance
   * @param audit {@code ok} without alarms, else {@code alarm}
   */
  public record Ledger(
      long entries,
      Checkpoint checkpoint,
      List<String> alarms,
      List<String> governanceAlarms,
      String audit) {
    public Ledger {
      alarms = List.copyOf(alarms);
      governanceAlarms = List.copyOf(governanceAlarms);
    }
  }

  /** A cosigned checkpoint: tree size, root (hex), when the leader signed it, who cosigned. */
  public record Checkpoint(long size, String root, long atMs, List<String> cosignedBy) {
    public Checkpoint {
      cosignedBy = List.copyOf(cosignedBy);
    }
  }

  /** A pending governance proposal and how far its approvals got. */
  public record Proposal(
      String id,
      String kind,
      String summary,
      String proposer,
      long expiresAtMs,
      List<String> approvedBy,
      List<String> missing,
      int required) {
    public Proposal {
      approvedBy = List.copyOf(approvedBy);
      missing = List.copyOf(missing);
    }
  }
}
