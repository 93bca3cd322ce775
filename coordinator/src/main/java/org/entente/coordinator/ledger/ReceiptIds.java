package org.entente.coordinator.ledger;

/** The name of an attempt's receipt: {@code JOB/SHARD#ATTEMPT}. Stateless. */
public final class ReceiptIds {
  private ReceiptIds() {}

  public static String of(String jobId, int shard, int attempt) {
    return jobId + "/" + shard + "#" + attempt;
  }
}
