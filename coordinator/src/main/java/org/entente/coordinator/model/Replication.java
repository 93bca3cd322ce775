package org.entente.coordinator.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Replicated execution of inference shards (BOINC's quorum, with nation diversity): what follows a
 * successful run, given the runs so far. A result counts when at least two runs on distinct nodes
 * agree and, whenever the job may run in more than one nation, those runs span two nations, so
 * nodes of one nation never form a quorum on their own. A second run goes to another nation than
 * the first where the rules allow one; after a disagreement the third goes to a nation not used yet
 * where one exists. Three runs without a quorum fail the shard. Stateless and pure.
 */
public final class Replication {
  /** At most this many runs of one shard. */
  public static final int MAX_RUNS = 3;

  private Replication() {}

  /** How a job's inference shards are replicated (job spec {@code verification.replicas}). */
  public enum Mode {
    /** Every shard twice (or more), whatever the node's track record. */
    ALWAYS,
    /** Twice unless the node has a track record; then only a random fraction. */
    ADAPTIVE,
    /** Once, unchecked: the job's nation accepts its results unverified. */
    NEVER;

    /** The mode a job spec names: {@code 1}, {@code 2} or {@code adaptive} (the default). */
    public static Mode parse(String s) {
      return switch (s == null || s.isEmpty() ? "adaptive" : s) {
        case "adaptive" -> ADAPTIVE;
        case "2" -> ALWAYS;
        case "1" -> NEVER;
        default ->
            throw new IllegalArgumentException(
                "verification.replicas must be 1, 2 or adaptive, not '" + s + "'");
      };
    }
  }

  /** What the leader does next. */
  public sealed interface Next permits Accept, RunAgain, Fail {}

  /**
   * The shard succeeds with {@code sha256}. {@code agreeing} are credited; {@code wrong} are not,
   * and their nodes are quarantined. {@code outcome}: unchecked, agreed or majority.
   */
  public record Accept(
      String sha256, List<RunOutput> agreeing, List<RunOutput> wrong, String outcome)
      implements Next {}

  /**
   * Run the shard again on {@code next}; {@code outcome} is "check" after the first run and
   * "disagreement" once two runs differ.
   */
  public record RunAgain(CheckState next, String outcome) implements Next {}

  /** No quorum after {@link #MAX_RUNS}: the shard fails and no run is credited. */
  public record Fail(String why) implements Next {}

  /**
   * What follows the runs so far (the newest last).
   *
   * @param check whether a lone first run must be checked (its node has no track record, the random
   *     draw picked it, or the mode is ALWAYS); ignored for later runs
   * @param allowed the nations the shard may run in that have nodes (never empty)
   */
  public static Next after(List<RunOutput> runs, boolean check, Set<String> allowed) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no run to decide on");
    }
    if (runs.size() == 1 && !check) {
      return new Accept(runs.get(0).sha256(), List.copyOf(runs), List.of(), "unchecked");
    }
    int nationsNeeded = allowed.size() >= 2 ? 2 : 1;
    Map<String, List<RunOutput>> byDigest = new LinkedHashMap<>();
    for (RunOutput r : runs) {
      byDigest.computeIfAbsent(r.sha256(), k -> new ArrayList<>()).add(r);
    }
    for (var e : byDigest.entrySet()) {
      List<RunOutput> group = e.getValue();
      Set<String> nodes = new TreeSet<>();
      Set<String> nations = new TreeSet<>();
      group.forEach(
          r -> {
            nodes.add(r.node());
            nations.add(r.nodeNation());
          });
      if (nodes.size() >= 2 && nations.size() >= nationsNeeded) {
        List<RunOutput> wrong = new ArrayList<>();
        for (RunOutput r : runs) {
          if (!r.sha256().equals(e.getKey())) {
            wrong.add(r);
          }
        }
        return new Accept(
            e.getKey(),
            List.copyOf(group),
            List.copyOf(wrong),
            wrong.isEmpty() ? "agreed" : "majority");
      }
    }
    if (runs.size() >= MAX_RUNS) {
      return new Fail(
          runs.size()
              + " runs on "
              + runs.stream().map(RunOutput::node).toList()
              + " gave no result that two nodes"
              + (nationsNeeded == 2 ? " of two nations" : "")
              + " agree on");
    }
    Set<String> usedNations = new TreeSet<>();
    Set<String> usedNodes = new TreeSet<>();
    runs.forEach(
        r -> {
          usedNations.add(r.nodeNation());
          usedNodes.add(r.node());
        });
    Set<String> fresh = new TreeSet<>(allowed);
    fresh.removeAll(usedNations);
    CheckState next =
        fresh.isEmpty()
            ? new CheckState(runs, allowed, usedNodes, allowed.size() == 1)
            : new CheckState(runs, fresh, usedNodes, false);
    return new RunAgain(next, runs.size() == 1 ? "check" : "disagreement");
  }
}
