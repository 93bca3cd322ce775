package org.entente.coordinator.logstore;

import org.apache.curator.framework.CuratorFramework;
import org.entente.coordinator.zk.FederationRecord;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;

/** The name of a federation's log: {@code entente/<created at ms>}. Stateless. */
public final class LedgerLogId {
  private LedgerLogId() {}

  public static String of(FederationRecord f) {
    return "entente/" + f.createdAtMs();
  }

  public static String read(CuratorFramework zk) throws Exception {
    return of(Json.read(zk.getData().forPath(ZkPaths.FEDERATION), FederationRecord.class));
  }
}
