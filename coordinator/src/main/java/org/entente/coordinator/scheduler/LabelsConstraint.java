package org.entente.coordinator.scheduler;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Every label the job asks for must be on the node with the same value. Stateless. */
public final class LabelsConstraint implements Constraint {
  @Override
  public String name() {
    return "labels";
  }

  @Override
  public boolean isStatic() {
    return true;
  }

  @Override
  public boolean allows(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    for (Map.Entry<String, String> e : request.placement().labels().entrySet()) {
      if (!Objects.equals(node.labels().get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Optional<String> rejects(ShardRequest request, NodeSnapshot node, ResourceVector free) {
    for (Map.Entry<String, String> e : request.placement().labels().entrySet()) {
      String has = node.labels().get(e.getKey());
      if (!Objects.equals(has, e.getValue())) {
        String what = has == null ? "no label " + e.getKey() : e.getKey() + "=" + has;
        return Optional.of(
            node.id() + " has " + what + ", job wants " + e.getKey() + "=" + e.getValue());
      }
    }
    return Optional.empty();
  }
}
