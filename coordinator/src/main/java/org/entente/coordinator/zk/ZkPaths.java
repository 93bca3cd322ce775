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
  public static final String LEDGER = "/ledger";
  public static final String LEDGER_HEAD = "/ledger/head";
  public static final String LEDGER_BLOCKS = "/ledger/blocks";
  public static final String LEDGER_CHECKPOINT = "/ledger/checkpoints/latest";
  public static final String LEDGER_COSIGNED = "/ledger/checkpoints/cosigned";
  public static final String LEDGER_COSIGNATURES = "/ledger/cosignatures";
  public static final String GOVERNANCE = "/governance";
  public static final String GOVERNANCE_CHAIN = "/governance/chain";
  public static final String GOVERNANCE_PROPOSALS = "/governance/proposals";
  public static final String GOVERNANCE_STATE = "/governance/state";

  /** The governance chain's link at {@code position} (0 holds the genesis). */
  public static String governanceLink(long position) {
    return GOVERNANCE_CHAIN + "/" + String.format("%010d", position);
  }

  /** A stored proposal ({@code p-} and 16 hex digits). */
  public static String proposal(String id) {
    if (!id.matches("p-[0-9a-f]{16}")) {
      throw new IllegalArgumentException("'" + id + "' is not a proposal id (p-<16 hex digits>)");
    }
    return GOVERNANCE_PROPOSALS + "/" + id;
  }

  /** One operator's approval of a proposal. */
  public static String approval(String id, String nation, String name) {
    return proposal(id) + "/" + Names.requireNation(nation) + "." + Names.requireName(name);
  }

  /** Blocks per directory of {@code /ledger/blocks}, so no listing nears the 1 MB reply limit. */
  public static final long LEDGER_BLOCKS_PER_GROUP = 1000;

  private ZkPaths() {}

  public static String ledgerGroup(long block) {
    return LEDGER_BLOCKS + "/" + String.format("%06d", block / LEDGER_BLOCKS_PER_GROUP);
  }

  public static String ledgerBlock(long block) {
    return ledgerGroup(block) + "/" + String.format("%010d", block);
  }

  public static String cosignature(String nation) {
    return LEDGER_COSIGNATURES + "/" + Names.requireNation(nation);
  }

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
