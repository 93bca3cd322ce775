package org.entente.coordinator.logstore;

/**
 * {@code /ledger/head}: how many entries the log holds and in how many blocks (the last block may
 * be partly filled). Written only by the leader, in the transaction that writes the blocks.
 * Immutable.
 */
public record LedgerHead(long size, long blocks) {
  public static final LedgerHead EMPTY = new LedgerHead(0, 0);
}
