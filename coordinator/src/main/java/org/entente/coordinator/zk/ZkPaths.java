package org.entente.coordinator.zk;

import org.entente.security.Names;

/**
 * The ZooKeeper layout, relative to the federation's chroot. Every path segment that comes from a
 * name has passed {@link Names}, so no caller can build a path outside its subtree. Stateless.
 */
public final class ZkPaths {
  public static final String FEDERATION = "/federation";
  public static final String NATIONS = "/nations";
  public static final String COORDINATORS = "/coordinators";
  public static final String LEADER_LATCH = "/coordinators/leader";
  public static final String EPOCH = "/coordinators/epoch";
  public static final String REPLICAS = "/coordinators/replicas";
  public static final String NODES = "/nodes";
  public static final String ROSTER = "/roster";
  public static final String JOBS = "/jobs";
  public static final String SCHEDULER_STATE = "/scheduler/state";

  private ZkPaths() {}

  public static String nation(String nation) {
    return NATIONS + "/" + Names.requireNation(nation);
  }

  public static String root(String nation) {
    return nation(nation) + "/root";
  }

  public static String crl(String nation) {
    return nation(nation) + "/crl";
  }

  public static String replica(String nation) {
    return REPLICAS + "/" + Names.requireNation(nation);
  }

  public static String nodesOf(String nation) {
    return NODES + "/" + Names.requireNation(nation);
  }

  public static String node(String nation, String name) {
    return nodesOf(nation) + "/" + Names.requireName(name);
  }

  public static String rosterOf(String nation) {
    return ROSTER + "/" + Names.requireNation(nation);
  }

  public static String rosterEntry(String nation, String name) {
    return rosterOf(nation) + "/" + Names.requireName(name);
  }

  /** Job ids are leader-made: {@code j<epoch>-<sequence>}. */
  public static String requireJobId(String id) {
    if (id == null || !id.matches("j[0-9]{1,18}-[0-9]{1,18}")) {
      throw new IllegalArgumentException("not a job id: " + id);
    }
    return id;
  }

  public static String job(String id) {
    return JOBS + "/" + requireJobId(id);
  }

  public static String shards(String id) {
    return job(id) + "/shards";
  }

  public static String shard(String id, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("negative shard index");
    }
    return shards(id) + "/" + index;
  }
}
