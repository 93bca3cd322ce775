package org.entente.agent.shards;

import java.time.Duration;
import java.util.List;
import org.entente.proto.v1.ShardOutput;

/**
 * What a {@link ShardRunner} may ask of the agent while it runs one attempt: whether it has been
 * told to stop, and which of the node's GPUs it holds, and what it produced. Thread-safe.
 */
public interface ShardContext {
  /** Whether the attempt was told to stop (cancelled, superseded, out of time, agent stopping). */
  boolean isCancelled();

  /**
   * Waits until the attempt is told to stop or {@code timeout} passes, without spinning.
   *
   * @return true if it was told to stop, false if the timeout passed first
   * @throws InterruptedException if the thread is interrupted (also a way of being told to stop)
   */
  boolean awaitCancellation(Duration timeout) throws InterruptedException;

  /** Indices of the node's GPUs allocated to this attempt (empty when it asked for none). */
  List<Integer> devices();

  /**
   * Records what the attempt produced (already uploaded with {@link ShardServices#upload}); it goes
   * with the SUCCEEDED report. The last call wins.
   */
  void recordOutput(ShardOutput output);
}
