package org.entente.agent;

import java.util.concurrent.atomic.LongAdder;
import org.entente.agent.shards.ReceiptSigner;

/**
 * What an agent has sent up since it started, for its metrics: heartbeats on any stream, and the
 * GPU and CPU time in the usage receipts it signed (each attempt's end is reported with one).
 * Thread-safe.
 */
public final class AgentActivity {
  private final LongAdder heartbeats = new LongAdder();
  private final ReceiptSigner receipts;

  AgentActivity(ReceiptSigner receipts) {
    this.receipts = receipts;
  }

  void heartbeatSent() {
    heartbeats.increment();
  }

  /** The signer every receipt of this agent goes through. */
  ReceiptSigner receipts() {
    return receipts;
  }

  public long heartbeatsSent() {
    return heartbeats.sum();
  }

  public long gpuMsReported() {
    return receipts.gpuMsSigned();
  }

  public long cpuMsReported() {
    return receipts.cpuMsSigned();
  }
}
