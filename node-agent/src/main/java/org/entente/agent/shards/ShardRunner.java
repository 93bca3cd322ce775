package org.entente.agent.shards;

import org.entente.proto.v1.ShardAssignment;

/**
 * Runs one attempt of a shard to its end on the calling thread. Implementations must stop promptly
 * once {@link ShardContext#isCancelled()} turns true or the thread is interrupted; they end by
 * returning a short result note (the shard succeeded) or by throwing (it failed, with the
 * exception's message as the reason). Implementations must be thread-safe: attempts of different
 * shards run concurrently on different threads.
 */
@FunctionalInterface
public interface ShardRunner {
  /**
   * Runs {@code assignment} until it is done or cancelled.
   *
   * @return a short note about the result, shown to users ("" is fine)
   * @throws Exception any failure; its message becomes the FAILED report's reason
   */
  String run(ShardAssignment assignment, ShardContext context) throws Exception;
}
