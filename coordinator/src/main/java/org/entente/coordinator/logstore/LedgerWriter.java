package org.entente.coordinator.logstore;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.entente.coordinator.ledger.LedgerBook;
import org.entente.proto.v1.CertificateEntry;
import org.entente.proto.v1.EntriesChunk;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.SealEntry;
import org.entente.security.KeyMaterial;
import org.entente.security.Sha256;
import org.entente.security.Signatures;

/**
 * The leader's appender: entries join the {@link LedgerBook} at once, and {@link #seal} turns
 * everything appended since the last write into a signed seal plus the block and head writes, as op
 * groups the leader commits in its fenced transactions (in order; each group leaves a consistent
 * head). If a commit fails the leader reloads the log, so memory running ahead is harmless. Not
 * thread-safe; owned by the leader's loop.
 */
public final class LedgerWriter {
  /** Operations that must land together, with their size. */
  public record OpGroup(List<CuratorOp> ops, int bytes) {}

  private final LedgerStore store;
  private final KeyMaterial keys;
  private final ByteString certificateSha256;
  private final LedgerBook book;
  private LedgerHead head;
  private int headVersion;
  private long lastBlock; // number of the last block, -1 when none
  private final List<ByteString> lastEntries = new ArrayList<>();
  private int lastBytes;
  private int lastVersion;

  private LedgerWriter(
      LedgerStore store,
      KeyMaterial keys,
      LedgerBook book,
      LedgerStore.VersionedHead head,
      LedgerStore.Block last) {
    this.store = store;
    this.keys = keys;
    this.book = book;
    this.head = head.head();
    this.headVersion = head.version();
    byte[] der = encoded(keys);
    this.certificateSha256 = ByteString.copyFrom(Sha256.newDigest().digest(der));
    if (last == null) {
      lastBlock = -1;
    } else {
      lastBlock = last.number();
      lastEntries.addAll(last.chunk().getEntriesList());
      lastBytes = last.chunk().getSerializedSize();
      lastVersion = last.version();
    }
  }

  /** Loads the stored log (a new leader, before its first decision). */
  public static LedgerWriter load(LedgerStore store, KeyMaterial keys) throws Exception {
    store.ensureRoot();
    LedgerStore.VersionedHead head = store.head();
    List<LedgerStore.Block> blocks = store.blocks(head.head(), 0);
    List<byte[]> entries = new ArrayList<>();
    for (LedgerStore.Block b : blocks) {
      for (ByteString e : b.chunk().getEntriesList()) {
        entries.add(e.toByteArray());
      }
    }
    if (entries.size() != head.head().size()) {
      throw new IllegalStateException(
          "the ledger head says "
              + head.head().size()
              + " entries, its blocks hold "
              + entries.size());
    }
    LedgerBook book = LedgerBook.replay(entries);
    return new LedgerWriter(
        store, keys, book, head, blocks.isEmpty() ? null : blocks.get(blocks.size() - 1));
  }

  public LedgerStore store() {
    return store;
  }

  public LedgerBook book() {
    return book;
  }

  public ByteString leaderCertificateSha256() {
    return certificateSha256;
  }

  /** Logs a certificate unless it is logged already; returns its SHA-256. */
  public ByteString logCertificate(byte[] der) {
    ByteString sha = ByteString.copyFrom(Sha256.newDigest().digest(der));
    if (!book.certificateLogged(sha)) {
      book.append(
          LedgerEntry.newBuilder()
              .setCertificate(CertificateEntry.newBuilder().setDer(ByteString.copyFrom(der)))
              .build());
    }
    return sha;
  }

  /** Appends an entry (its certificates must be logged first). */
  public long append(LedgerEntry e) {
    return book.append(e);
  }

  /**
   * Seals what was appended since the last call (signed with the leader's key) and returns the
   * writes that store it; empty when nothing was appended.
   */
  public List<OpGroup> seal(long epoch, long nowMs) throws Exception {
    if (!book.needsSeal()) {
      return List.of();
    }
    logCertificate(encoded(keys));
    byte[] body = book.sealBody(epoch, certificateSha256, nowMs).toByteArray();
    book.append(
        LedgerEntry.newBuilder()
            .setSeal(
                SealEntry.newBuilder()
                    .setBody(ByteString.copyFrom(body))
                    .setSignature(
                        ByteString.copyFrom(
                            Signatures.sign(keys.privateKey(), Signatures.SEAL, body))))
            .build());
    List<byte[]> fresh = book.unwritten();
    book.markWritten();
    return blockWrites(fresh);
  }

  private List<OpGroup> blockWrites(List<byte[]> fresh) throws Exception {
    List<OpGroup> groups = new ArrayList<>();
    List<CuratorOp> ops = new ArrayList<>();
    int bytes = 0;
    boolean lastDirty = false;
    boolean lastNew = false;
    for (byte[] e : fresh) {
      boolean full =
          lastBlock < 0
              || lastEntries.size() >= LedgerStore.MAX_BLOCK_ENTRIES
              || lastBytes + e.length + 8 > LedgerStore.MAX_BLOCK_BYTES;
      if (full) {
        if (lastDirty) {
          bytes += lastBytes;
          ops.add(writeLast(lastNew));
          head = new LedgerHead(head.size(), lastBlock + 1);
          ops.add(store.setHead(head, headVersion++));
          groups.add(new OpGroup(List.copyOf(ops), bytes));
          ops.clear();
          bytes = 0;
        }
        lastBlock++;
        lastEntries.clear();
        lastBytes = 0;
        lastNew = true;
        if (lastBlock % org.entente.coordinator.zk.ZkPaths.LEDGER_BLOCKS_PER_GROUP == 0) {
          ops.add(store.createGroup(lastBlock));
        }
      }
      lastEntries.add(ByteString.copyFrom(e));
      lastBytes += e.length + 8;
      head = new LedgerHead(head.size() + 1, lastBlock + 1);
      lastDirty = true;
    }
    if (lastDirty) {
      bytes += lastBytes;
      ops.add(writeLast(lastNew));
      ops.add(store.setHead(head, headVersion++));
      groups.add(new OpGroup(List.copyOf(ops), bytes));
    }
    return groups;
  }

  private CuratorOp writeLast(boolean created) throws Exception {
    long first = head.size() - lastEntries.size();
    byte[] data =
        EntriesChunk.newBuilder()
            .setFirstIndex(first)
            .addAllEntries(lastEntries)
            .build()
            .toByteArray();
    if (created) {
      lastVersion = 0;
      return store.createBlock(lastBlock, data);
    }
    return store.setBlock(lastBlock, data, lastVersion++);
  }

  private static byte[] encoded(KeyMaterial keys) {
    try {
      return keys.certificate().getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("the coordinator certificate cannot be encoded", e);
    }
  }
}
