package org.entente.coordinator.scheduler;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Placement rules of a job. {@code jurisdictions} empty means any member nation. {@code spread}
 * sends the job's shards to distinct nations as evenly as possible: at most {@code ceil(totalShards
 * / eligibleNations)} per nation, least-used nation first. Every entry of {@code labels} must equal
 * the node's label. {@code gpuModel} "" means any model, otherwise it must equal the node's model
 * ignoring case. {@code excludedNodes} ({@code NATION/name}) are never chosen: a replicated shard's
 * next run avoids the nodes that ran it. Immutable; sets and maps are kept sorted so that reasons
 * read the same in every run.
 */
public record Placement(
    Set<String> jurisdictions,
    boolean spread,
    Map<String, String> labels,
    String gpuModel,
    Set<String> excludedNodes) {
  /** No rules: any schedulable node of any nation. */
  public static final Placement ANY = new Placement(Set.of(), false, Map.of(), "");

  public Placement {
    Objects.requireNonNull(gpuModel, "gpuModel");
    jurisdictions = Collections.unmodifiableSortedSet(new TreeSet<>(jurisdictions));
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    excludedNodes = Collections.unmodifiableSortedSet(new TreeSet<>(excludedNodes));
  }

  /** Rules that exclude no node. */
  public Placement(
      Set<String> jurisdictions, boolean spread, Map<String, String> labels, String gpuModel) {
    this(jurisdictions, spread, labels, gpuModel, Set.of());
  }

  /** Whether the rules keep {@code node} out. */
  public boolean excludes(NodeId node) {
    return !excludedNodes.isEmpty() && excludedNodes.contains(node.toString());
  }
}
