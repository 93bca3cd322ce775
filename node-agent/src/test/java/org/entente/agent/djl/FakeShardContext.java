package org.entente.agent.djl;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.entente.agent.shards.ShardContext;
import org.entente.proto.v1.ShardOutput;

/** A shard attempt's context: CPU only, cancelled when the test says, keeps the output. */
final class FakeShardContext implements ShardContext {
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final AtomicReference<ShardOutput> output = new AtomicReference<>();

  void cancel() {
    cancelled.countDown();
  }

  ShardOutput output() {
    return output.get();
  }

  @Override
  public boolean isCancelled() {
    return cancelled.getCount() == 0;
  }

  @Override
  public boolean awaitCancellation(Duration timeout) throws InterruptedException {
    return cancelled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public List<Integer> devices() {
    return List.of();
  }

  @Override
  public void recordOutput(ShardOutput output) {
    this.output.set(output);
  }
}
