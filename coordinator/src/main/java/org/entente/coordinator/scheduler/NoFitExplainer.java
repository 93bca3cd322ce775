package org.entente.coordinator.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * Says why no node takes a shard, in the words of the {@link Constraint}s: each node is charged to
 * the first constraint that rejects it, and the reason lists, per constraint, how many nodes it
 * rejected and one example. Static constraints are judged once per {@link NodePool}. Stateless.
 */
final class NoFitExplainer {
  private final List<Constraint> constraints;

  /** Index of {@link GpuCountConstraint} in {@link #constraints}, or -1. */
  private final int freeResources;

  NoFitExplainer(List<Constraint> constraints) {
    this.constraints = List.copyOf(constraints);
    int f = -1;
    for (int i = 0; i < constraints.size(); i++) {
      if (constraints.get(i) instanceof GpuCountConstraint) {
        f = i;
      }
    }
    this.freeResources = f;
  }

  String explain(ShardRequest request, NodeIndex index) {
    int k = constraints.size();
    long[] counts = new long[k];
    String[] examples = new String[k];
    long fits = 0;
    long total = 0;
    for (NodePool pool : index.pools()) {
      total += pool.members.size();
      int c = firstStaticRejection(request, pool);
      if (c >= 0) {
        counts[c] += pool.members.size();
        if (examples[c] == null) {
          examples[c] =
              constraints.get(c).rejects(request, pool.representative, ResourceVector.ZERO).get();
        }
        continue;
      }
      if (!pool.hasFree(request.demand().resources().gpus()) && freeResources >= 0) {
        // No node here has the GPUs, so the free-resources constraint rejects them all; ask it
        // for the words once instead of once per node.
        counts[freeResources] += pool.members.size();
        if (examples[freeResources] == null) {
          NodeState n = pool.members.get(0);
          examples[freeResources] =
              constraints.get(freeResources).rejects(request, n.snapshot, n.free()).orElse(null);
        }
        continue;
      }
      for (NodeState n : pool.members) {
        int d = firstDynamicRejection(request, n);
        if (d < 0) {
          fits++;
        } else {
          counts[d]++;
          if (examples[d] == null) {
            examples[d] = constraints.get(d).rejects(request, n.snapshot, n.free()).get();
          }
        }
      }
    }
    if (total == 0) {
      return "no node fits " + request.demand().resources().describe() + ": there are no nodes";
    }
    StringBuilder why =
        new StringBuilder("no node of ")
            .append(total)
            .append(" fits ")
            .append(request.demand().resources().describe());
    List<String> parts = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      if (counts[c] > 0) {
        parts.add(
            constraints.get(c).name()
                + " rejects "
                + counts[c]
                + (counts[c] == 1 ? " node" : " nodes")
                + (examples[c] == null ? "" : " (e.g. " + examples[c] + ")"));
      }
    }
    if (fits > 0) {
      // Not expected after a failed search; shown rather than hidden if index and constraints
      // ever disagree.
      parts.add(fits + " would fit");
    }
    return why.append(": ").append(String.join("; ", parts)).toString();
  }

  private int firstStaticRejection(ShardRequest request, NodePool pool) {
    for (int c = 0; c < constraints.size(); c++) {
      Constraint con = constraints.get(c);
      if (con.isStatic() && !con.allows(request, pool.representative, ResourceVector.ZERO)) {
        return c;
      }
    }
    return -1;
  }

  private int firstDynamicRejection(ShardRequest request, NodeState n) {
    ResourceVector free = null;
    for (int c = 0; c < constraints.size(); c++) {
      Constraint con = constraints.get(c);
      if (!con.isStatic()) {
        if (free == null) {
          free = n.free();
        }
        if (!con.allows(request, n.snapshot, free)) {
          return c;
        }
      }
    }
    return -1;
  }
}
