package org.entente.cli;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** A real ZooKeeper server for tests, with a short tick so sessions and elections are quick. */
public final class TestZooKeeper {
  /** Milliseconds per ZooKeeper tick; sessions may last 2 to 20 ticks. */
  public static final int TICK_MS = 200;

  private TestZooKeeper() {}

  /** Starts a standalone server on a free port with its data in a temporary directory. */
  public static TestingServer start() throws Exception {
    InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MS, -1);
    return new TestingServer(spec, true);
  }
}
