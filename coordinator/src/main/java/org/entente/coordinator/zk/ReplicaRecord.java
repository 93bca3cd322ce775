package org.entente.coordinator.zk;

/** A coordinator replica as registered under {@code /coordinators/replicas}. Immutable. */
public record ReplicaRecord(String nation, String name, String address, long startedAtMs) {
  /** The id used in the leader latch: {@code NATION/name@address}. */
  public String participantId() {
    return nation + "/" + name + "@" + address;
  }

  /** Splits a participant id back into nation/name and address. */
  public static String addressOf(String participantId) {
    int at = participantId.indexOf('@');
    return at < 0 ? "" : participantId.substring(at + 1);
  }

  public static String labelOf(String participantId) {
    int at = participantId.indexOf('@');
    return at < 0 ? participantId : participantId.substring(0, at);
  }
}
