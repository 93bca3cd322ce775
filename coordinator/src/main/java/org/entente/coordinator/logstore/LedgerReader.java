package org.entente.coordinator.logstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.zookeeper.KeeperException;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.SealBody;
import org.entente.security.Sha256;
import org.entente.security.transparency.MerkleTree;
import org.entente.security.transparency.Rfc6962;

/**
 * A replica's read copy of the log for serving proofs: the entries it has read from ZooKeeper,
 * their tree, and indexes from receipt id, model digest and certificate digest to entries. It reads
 * only blocks it has not read yet. It vouches for nothing: every proof it serves is checked by its
 * receiver against a cosigned checkpoint. Thread-safe (synchronized).
 */
public final class LedgerReader {
  private final LedgerStore store;
  private final List<byte[]> entries = new ArrayList<>();
  private MerkleTree tree = new MerkleTree();
  private final Map<Long, Long> blockZxids = new HashMap<>();
  private final Map<String, Long> receipts = new HashMap<>();
  private final Map<String, Long> provenance = new HashMap<>();
  private final Map<ByteString, byte[]> certificates = new HashMap<>();
  private final TreeMap<Long, ByteString> seals = new TreeMap<>();
  private long nextBlock;
  private int readOfLast;

  public LedgerReader(LedgerStore store) {
    this.store = store;
  }

  /**
   * Reads what was appended since the last call; returns the entries now held. A block already read
   * that has changed since (it should never, once full) makes the reader read everything again, so
   * it serves what is stored, never a memory of it: an auditor then sees the edit.
   */
  public synchronized long refresh() throws Exception {
    LedgerHead head = store.head().head();
    for (var read : blockZxids.entrySet()) {
      if (read.getKey() >= nextBlock - 1) {
        continue; // the last block may still be growing; it is read again below
      }
      org.apache.zookeeper.data.Stat st =
          store.zk().checkExists().forPath(ZkPaths.ledgerBlock(read.getKey()));
      if (st == null || st.getMzxid() != read.getValue()) {
        reset();
        break;
      }
    }
    for (long b = Math.max(0, nextBlock - 1); b < head.blocks(); b++) {
      LedgerStore.Block block = store.block(b);
      int skip = b == nextBlock - 1 ? readOfLast : 0;
      var list = block.chunk().getEntriesList();
      long first = block.chunk().getFirstIndex();
      for (int i = 0; i < skip; i++) {
        if (list.size() <= i
            || !java.util.Arrays.equals(
                list.get(i).toByteArray(), entries.get((int) (first + i)))) {
          reset(); // the growing block changed under what was read: read everything again
          return refresh();
        }
      }
      for (int i = skip; i < list.size(); i++) {
        add(list.get(i).toByteArray());
      }
      blockZxids.put(b, block.mzxid());
      nextBlock = b + 1;
      readOfLast = list.size();
    }
    return entries.size();
  }

  private void reset() {
    entries.clear();
    tree = new MerkleTree();
    receipts.clear();
    provenance.clear();
    certificates.clear();
    seals.clear();
    blockZxids.clear();
    nextBlock = 0;
    readOfLast = 0;
  }

  private void add(byte[] data) {
    long index = entries.size();
    entries.add(data);
    tree.append(Rfc6962.leafHash(data));
    try {
      LedgerEntry e = LedgerEntry.parseFrom(data);
      switch (e.getKindCase()) {
        case RECEIPT -> receipts.putIfAbsent(e.getReceipt().getObserved().getReceiptId(), index);
        case PROVENANCE -> provenance.putIfAbsent(e.getProvenance().getModelSha256(), index);
        case CERTIFICATE ->
            certificates.putIfAbsent(
                ByteString.copyFrom(
                    Sha256.newDigest().digest(e.getCertificate().getDer().toByteArray())),
                e.getCertificate().getDer().toByteArray());
        case SEAL ->
            seals.put(
                index, SealBody.parseFrom(e.getSeal().getBody()).getLeaderCertificateSha256());
        default -> {}
      }
    } catch (InvalidProtocolBufferException ex) {
      // a malformed entry is indexed under nothing; the audit names it
    }
  }

  /** Entries [from, to) as held now (refresh first). */
  public synchronized List<byte[]> entries(long from, long to) {
    return List.copyOf(entries.subList((int) from, (int) Math.min(to, entries.size())));
  }

  public synchronized long size() {
    return entries.size();
  }

  /** The newest checkpoint a majority cosigned, or null. */
  public CosignedCheckpoint cosigned() throws Exception {
    return read(ZkPaths.LEDGER_COSIGNED);
  }

  /** The leader's newest checkpoint with this replica's knowledge of its cosignatures, or null. */
  public CosignedCheckpoint latest() throws Exception {
    byte[] data;
    try {
      data = store.zk().getData().forPath(ZkPaths.LEDGER_CHECKPOINT);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
    if (data.length == 0) {
      return null;
    }
    CosignedCheckpoint.Builder b =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(org.entente.proto.v1.SignedCheckpoint.parseFrom(data));
    for (String nation : store.zk().getChildren().forPath(ZkPaths.LEDGER_COSIGNATURES)) {
      CosignedCheckpoint c = read(ZkPaths.cosignature(nation));
      if (c != null && c.getCheckpoint().getBody().equals(b.getCheckpoint().getBody())) {
        b.addAllCosignatures(c.getCosignaturesList());
      }
    }
    return b.build();
  }

  private CosignedCheckpoint read(String path) throws Exception {
    try {
      byte[] data = store.zk().getData().forPath(path);
      return data.length == 0 ? null : CosignedCheckpoint.parseFrom(data);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  /**
   * The proof that the entry closing {@code id} (a receipt id, or a model digest for provenance) is
   * in the log {@code checkpoint} names, with the seal that countersigns it; null when no such
   * entry is under that checkpoint.
   */
  public synchronized InclusionProof proof(String id, CosignedCheckpoint checkpoint)
      throws InvalidProtocolBufferException {
    Long index = receipts.get(id);
    if (index == null) {
      index = provenance.get(id);
    }
    long size = CheckpointBody.parseFrom(checkpoint.getCheckpoint().getBody()).getTreeSize();
    if (index == null || index >= size || size > entries.size()) {
      return null;
    }
    Map.Entry<Long, ByteString> seal = seals.higherEntry(index);
    if (seal == null || seal.getKey() >= size) {
      return null;
    }
    InclusionProof.Builder p =
        InclusionProof.newBuilder()
            .setIndex(index)
            .setEntry(ByteString.copyFrom(entries.get(index.intValue())))
            .setSealIndex(seal.getKey())
            .setSeal(ByteString.copyFrom(entries.get(seal.getKey().intValue())))
            .setCheckpoint(checkpoint);
    tree.inclusionProof(index, size).forEach(h -> p.addPath(ByteString.copyFrom(h)));
    tree.inclusionProof(seal.getKey(), size).forEach(h -> p.addSealPath(ByteString.copyFrom(h)));
    SealBody sb =
        SealBody.parseFrom(
            LedgerEntry.parseFrom(entries.get(seal.getKey().intValue())).getSeal().getBody());
    for (long i = sb.getFirstIndex(); i < sb.getFirstIndex() + sb.getCount(); i++) {
      p.addSealedLeafHashes(ByteString.copyFrom(tree.leafHash(i)));
    }
    byte[] leader = certificates.get(seal.getValue());
    if (leader != null) {
      p.addCertificates(ByteString.copyFrom(leader));
    }
    LedgerEntry e = LedgerEntry.parseFrom(entries.get(index.intValue()));
    if (e.hasReceipt() && !e.getReceipt().getAgentCertificateSha256().isEmpty()) {
      byte[] agent = certificates.get(e.getReceipt().getAgentCertificateSha256());
      if (agent != null) {
        p.addCertificates(ByteString.copyFrom(agent));
      }
    }
    return p.build();
  }
}
