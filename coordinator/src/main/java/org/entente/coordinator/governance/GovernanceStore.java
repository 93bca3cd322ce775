package org.entente.coordinator.governance;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.GovernanceEntry;
import org.entente.proto.v1.GovernedState;
import org.entente.proto.v1.SignedApproval;
import org.entente.proto.v1.SignedProposal;

/**
 * Governance documents in ZooKeeper: the chain ({@code /governance/chain/<position>}, the genesis
 * at 0), proposals and their approvals ({@code /governance/proposals/<id>/<NATION>.<name>}), and
 * the state the leader last derived ({@code /governance/state}), kept for people and tools only: no
 * replica acts on it. Everything is written once and never edited. Thread-safe.
 */
public final class GovernanceStore {
  /** A stored link: where it is and what it holds (null when it does not decode). */
  public record Link(long position, GovernanceEntry entry) {}

  private final CuratorFramework zk;

  public GovernanceStore(CuratorFramework zk) {
    this.zk = zk;
  }

  /** Creates the governance directories if missing. */
  public void ensureRoots() throws Exception {
    for (String p :
        List.of(ZkPaths.GOVERNANCE, ZkPaths.GOVERNANCE_CHAIN, ZkPaths.GOVERNANCE_PROPOSALS)) {
      try {
        zk.create().forPath(p);
      } catch (KeeperException.NodeExistsException e) {
        // there already
      }
    }
  }

  /** Writes the genesis link unless one exists; returns whether this call wrote it. */
  public boolean createGenesis(GovernanceEntry genesis) throws Exception {
    ensureRoots();
    try {
      zk.create().forPath(ZkPaths.governanceLink(0), genesis.toByteArray());
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return false;
    }
  }

  /** The links stored at {@code from} and after, in order. */
  public List<Link> links(long from) throws Exception {
    List<String> names;
    try {
      names = new ArrayList<>(zk.getChildren().forPath(ZkPaths.GOVERNANCE_CHAIN));
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
    names.sort(null);
    List<Link> out = new ArrayList<>();
    for (String n : names) {
      long position;
      try {
        position = Long.parseLong(n);
      } catch (NumberFormatException e) {
        out.add(new Link(-1, null));
        continue;
      }
      if (position < from) {
        continue;
      }
      byte[] data = zk.getData().forPath(ZkPaths.GOVERNANCE_CHAIN + "/" + n);
      GovernanceEntry e;
      try {
        e = GovernanceEntry.parseFrom(data);
      } catch (InvalidProtocolBufferException ex) {
        e = null;
      }
      out.add(new Link(position, e));
    }
    return out;
  }

  /** The write that adds {@code e} at {@code position} (it fails if the position is taken). */
  public CuratorOp appendOp(long position, GovernanceEntry e) throws Exception {
    return zk.transactionOp().create().forPath(ZkPaths.governanceLink(position), e.toByteArray());
  }

  /** The write that records the derived state for people and tools. */
  public CuratorOp stateOp(GovernedState s) throws Exception {
    if (zk.checkExists().forPath(ZkPaths.GOVERNANCE_STATE) == null) {
      return zk.transactionOp().create().forPath(ZkPaths.GOVERNANCE_STATE, s.toByteArray());
    }
    return zk.transactionOp().setData().forPath(ZkPaths.GOVERNANCE_STATE, s.toByteArray());
  }

  /** The roots recorded under {@code /nations/<N>/root} (PEM), by nation. */
  public java.util.Map<String, String> recordedRoots() throws Exception {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    List<String> nations;
    try {
      nations = zk.getChildren().forPath(ZkPaths.NATIONS);
    } catch (KeeperException.NoNodeException e) {
      return out;
    }
    for (String n : nations) {
      try {
        out.put(
            n,
            new String(
                zk.getData().forPath(ZkPaths.NATIONS + "/" + n + "/root"),
                java.nio.charset.StandardCharsets.US_ASCII));
      } catch (KeeperException.NoNodeException e) {
        // a nation record without a root (a removed member keeps its revocation lists)
      }
    }
    return out;
  }

  /** The recorded state's bytes, if any. */
  public Optional<byte[]> recordedState() throws Exception {
    try {
      return Optional.of(zk.getData().forPath(ZkPaths.GOVERNANCE_STATE));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /**
   * Stores a proposal.
   *
   * @return false when a proposal with its id exists already
   */
  public boolean propose(String id, SignedProposal p) throws Exception {
    ensureRoots();
    try {
      zk.create().forPath(ZkPaths.proposal(id), p.toByteArray());
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return false;
    }
  }

  /** The stored proposal, if any. */
  public Optional<SignedProposal> proposal(String id) throws Exception {
    try {
      return Optional.of(SignedProposal.parseFrom(zk.getData().forPath(ZkPaths.proposal(id))));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /** Ids of every stored proposal, sorted. */
  public List<String> proposalIds() throws Exception {
    try {
      List<String> ids = new ArrayList<>(zk.getChildren().forPath(ZkPaths.GOVERNANCE_PROPOSALS));
      ids.removeIf(id -> !id.matches("p-[0-9a-f]{16}"));
      ids.sort(null);
      return ids;
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  /**
   * Stores one operator's approval.
   *
   * @return false when that operator approved the proposal already
   */
  public boolean approve(String id, String nation, String name, SignedApproval a) throws Exception {
    try {
      zk.create().forPath(ZkPaths.approval(id, nation, name), a.toByteArray());
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return false;
    }
  }

  /** The approvals stored for a proposal, in name order (undecodable ones left out). */
  public List<SignedApproval> approvals(String id) throws Exception {
    List<String> names;
    try {
      names = new ArrayList<>(zk.getChildren().forPath(ZkPaths.proposal(id)));
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
    names.sort(null);
    List<SignedApproval> out = new ArrayList<>();
    for (String n : names) {
      try {
        out.add(SignedApproval.parseFrom(zk.getData().forPath(ZkPaths.proposal(id) + "/" + n)));
      } catch (InvalidProtocolBufferException | KeeperException.NoNodeException e) {
        // a stray or broken znode approves nothing
      }
    }
    return out;
  }
}
