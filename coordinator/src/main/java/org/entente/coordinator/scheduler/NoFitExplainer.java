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

  NoFitExplainer(List<Constraint> constraints) {
    this.constraints = List.copyOf(constraints);
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
                + " (e.g. "
                + examples[c]
                + ")");
      }
    }
    if (fits > 0) {
      // Only reachable when a rule outside the constraints (quota, gang) stopped the shard.
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
