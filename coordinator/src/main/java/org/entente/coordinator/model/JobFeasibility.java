package org.entente.coordinator.model;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.entente.coordinator.errors.InvalidRequestException;

/**
 * Refuses jobs that could never run in this federation, before anything is stored: a jurisdiction
 * that is not a member, or a shard larger than every node the federation knows (live or in the
 * roster). A job that merely has to wait is accepted. Pure.
 */
public final class JobFeasibility {
  private JobFeasibility() {}

  /**
   * @param members member nations (the trust bundle)
   * @param known resources of every node the federation knows, with its nation
   * @throws InvalidRequestException naming the field that cannot be satisfied
   */
  public static void check(JobSpec spec, Set<String> members, Collection<NationResources> known) {
    check(spec, List.copyOf(spec.placement().jurisdictions()), members, known);
  }

  /**
   * Like {@link #check(JobSpec, Set, Collection)}, with the jurisdictions in the order the job file
   * lists them, so an error names the index the author wrote.
   */
  public static void check(
      JobSpec spec,
      List<String> jurisdictions,
      Set<String> members,
      Collection<NationResources> known) {
    for (int i = 0; i < jurisdictions.size(); i++) {
      if (!members.contains(jurisdictions.get(i))) {
        throw new InvalidRequestException(
            "placement.jurisdictions[" + i + "]",
            jurisdictions.get(i)
                + " is not a member nation of this federation (members: "
                + String.join(", ", new java.util.TreeSet<>(members))
                + ")");
      }
    }
    for (int i = 0; i < spec.data().size(); i++) {
      String pinned = spec.data().get(i).jurisdiction();
      if (!pinned.isEmpty() && !members.contains(pinned)) {
        throw new InvalidRequestException(
            "data[" + i + "].jurisdiction",
            pinned
                + " is not a member nation of this federation (members: "
                + String.join(", ", new java.util.TreeSet<>(members))
                + ")");
      }
    }
    Set<String> allowed = jurisdictions.isEmpty() ? members : spec.placement().jurisdictions();
    List<NationResources> eligible =
        known.stream().filter(n -> allowed.contains(n.nation())).toList();
    JobSpec.ShardAsk ask = spec.resources();
    String where =
        jurisdictions.isEmpty() ? "in the federation" : "in " + String.join(", ", allowed);
    check(
        "resources.gpus",
        ask.gpus(),
        eligible.stream().mapToLong(n -> n.resources().gpus().size()).max().orElse(0),
        " GPUs",
        where);
    check(
        "resources.cpus",
        ask.cpus(),
        eligible.stream().mapToLong(n -> n.resources().cpuCores()).max().orElse(0),
        " CPUs",
        where);
    check(
        "resources.memory",
        ask.memoryBytes(),
        eligible.stream().mapToLong(n -> n.resources().memoryBytes()).max().orElse(0),
        " bytes of memory",
        where);
    if (ask.gpuMemoryBytes() > 0) {
      long best =
          eligible.stream()
              .flatMap(n -> n.resources().gpus().stream())
              .mapToLong(Resources.GpuRecord::memoryBytes)
              .max()
              .orElse(0);
      if (ask.gpuMemoryBytes() > best) {
        throw new InvalidRequestException(
            "resources.gpuMemory",
            "no GPU " + where + " has " + ask.gpuMemoryBytes() + " bytes; the largest has " + best);
      }
    }
    if (spec.placement().spread()) {
      long nations = eligible.stream().map(NationResources::nation).distinct().count();
      if (nations < 2) {
        throw new InvalidRequestException(
            "placement.spread",
            "spreading needs nodes in at least 2 nations " + where + "; found " + nations);
      }
    }
  }

  private static void check(String field, long asked, long largest, String unit, String where) {
    if (asked > largest) {
      throw new InvalidRequestException(
          field,
          largest == 0 && asked > 0
              ? "no node " + where + " has any" + unit + "; asked for " + asked
              : "no node " + where + " has " + asked + unit + "; the largest has " + largest);
    }
  }

  /** A known node's resources and nation. */
  public record NationResources(String nation, Resources resources) {}
}
