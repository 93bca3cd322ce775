package org.entente.coordinator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Decides the leader's roster writes from what is live and what is recorded. Pure: no I/O, time
 * passed in.
 *
 * <p>Goals: every node that ever joined has a roster entry; a live node's entry shows its state,
 * resources and replica; a node with no live presence is LOST, with the time the leader noticed.
 * Nothing is written when nothing changed, so a quiet federation costs no writes.
 *
 * <p>Example: live {DE/a ACTIVE}, roster {DE/a ACTIVE, FR/b ACTIVE} at t=5 gives one change: FR/b
 * becomes LOST with lastSeen 5.
 */
public final class RosterPlanner {
  /** One write: the new entry, and the version it replaces (-1 to create). Immutable. */
  public record Change(RosterEntry entry, int expectedVersion) {}

  /** A roster entry with its znode version. Immutable. */
  public record Versioned(RosterEntry entry, int version) {}

  private RosterPlanner() {}

  public static List<Change> plan(
      Map<NodeKey, NodeRecord> live, Map<NodeKey, Versioned> roster, long nowMs, long epoch) {
    List<Change> changes = new ArrayList<>();
    TreeSet<NodeKey> keys = new TreeSet<>(live.keySet());
    keys.addAll(roster.keySet());
    for (NodeKey k : keys) {
      NodeRecord now = live.get(k);
      Versioned was = roster.get(k);
      if (now != null && was == null) {
        changes.add(
            new Change(
                new RosterEntry(
                    k.nation(),
                    k.name(),
                    now.resources(),
                    now.state(),
                    now.replica(),
                    nowMs,
                    nowMs,
                    epoch),
                -1));
      } else if (now != null) {
        RosterEntry e = was.entry();
        if (e.state() != now.state()
            || !e.resources().equals(now.resources())
            || !e.replica().equals(now.replica())) {
          changes.add(
              new Change(
                  new RosterEntry(
                      k.nation(),
                      k.name(),
                      now.resources(),
                      now.state(),
                      now.replica(),
                      e.firstSeenMs(),
                      nowMs,
                      epoch),
                  was.version()));
        }
      } else if (was.entry().state() != NodeState.LOST) {
        RosterEntry e = was.entry();
        changes.add(
            new Change(
                new RosterEntry(
                    k.nation(),
                    k.name(),
                    e.resources(),
                    NodeState.LOST,
                    "",
                    e.firstSeenMs(),
                    nowMs,
                    epoch),
                was.version()));
      }
    }
    return changes;
  }
}
