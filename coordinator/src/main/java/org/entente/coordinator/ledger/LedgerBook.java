package org.entente.coordinator.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.entente.proto.v1.CertificateEntry;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.SealBody;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.Sha256;
import org.entente.security.transparency.MerkleTree;
import org.entente.security.transparency.Rfc6962;

/**
 * The leader's working copy of the log: what is closed, which node sequence numbers are used, which
 * certificates are logged, the accounts of sealed receipts and the tree. The leader decides from it
 * (is this attempt closed already? is this a replay?) and appends to it; entries appended since the
 * last write are {@link #unwritten()} until the pass commits them. Rebuilt from the stored log by a
 * new leader ({@link #replay}). Not thread-safe; owned by the leader's loop.
 */
public final class LedgerBook {
  private final MerkleTree tree = new MerkleTree();
  private final Set<String> closed = new HashSet<>();
  private final Set<String> sequences = new HashSet<>();
  private long governanceLogged = -1;
  private final Set<ByteString> certificates = new HashSet<>();
  private final Map<ByteString, byte[]> certificateDer = new HashMap<>();
  private final Map<String, List<Observation>> byJob = new HashMap<>();
  private final Map<String, Long> lastEntryByJob = new HashMap<>();
  private final List<LedgerEntry> unsealed = new ArrayList<>();
  private final TrackRecords tracks = new TrackRecords();
  private final List<byte[]> unwritten = new ArrayList<>();
  private final Accounts accounts = new Accounts();
  private long sealedUpTo;
  private long writtenSize;

  /**
   * Rebuilds the book from the stored entries, in order. The store is not trusted: every seal must
   * cover exactly the entries since the previous one, match their leaf hashes and carry a valid
   * signature of a logged coordinator certificate, and the log must end with a seal, so an entry
   * edited, removed or reordered in ZooKeeper is refused here instead of being extended and
   * checkpointed by the next leader.
   *
   * @throws IllegalStateException naming the first entry that breaks a seal
   */
  public static LedgerBook replay(List<byte[]> entries) throws InvalidProtocolBufferException {
    LedgerBook b = new LedgerBook();
    for (byte[] data : entries) {
      LedgerEntry e = LedgerEntry.parseFrom(data);
      if (e.hasSeal()) {
        b.checkSeal(e.getSeal());
      }
      b.add(e, data);
    }
    if (!b.sealed()) {
      throw new IllegalStateException(
          "the stored ledger does not end with a seal: entries from "
              + b.sealedUpTo
              + " on were added or altered outside the leader");
    }
    b.unwritten.clear();
    b.writtenSize = b.tree.size();
    return b;
  }

  public long size() {
    return tree.size();
  }

  /** Entries in the store (the rest are {@link #unwritten()}). */
  public long writtenSize() {
    return writtenSize;
  }

  public MerkleTree tree() {
    return tree;
  }

  public boolean closed(String receiptId) {
    return closed.contains(receiptId);
  }

  public boolean sequenceUsed(String node, long sequence) {
    return sequences.contains(node + "#" + sequence);
  }

  public boolean certificateLogged(ByteString sha256) {
    return certificates.contains(sha256);
  }

  /** Every node's record of verified results and quarantine (from sealed verdicts). */
  /** The highest governance sequence logged, or -1 when none is. */
  public long governanceLogged() {
    return governanceLogged;
  }

  public TrackRecords tracks() {
    return tracks;
  }

  /** Counted contributions and consumption per nation (sealed receipts). */
  public Accounts accounts() {
    return accounts;
  }

  /** The closed attempts of a job, in log order. */
  public List<Observation> receiptsOf(String jobId) {
    return List.copyOf(byJob.getOrDefault(jobId, List.of()));
  }

  /** The index of the last entry naming the job (receipt or provenance), or -1. */
  public long lastEntryOf(String jobId) {
    return lastEntryByJob.getOrDefault(jobId, -1L);
  }

  /** Drops what the book holds per job for a job pruned from {@code /jobs}. */
  public void forgetJob(String jobId) {
    byJob.remove(jobId);
    lastEntryByJob.remove(jobId);
  }

  /** Whether entries wait for a seal. */
  public boolean needsSeal() {
    return tree.size() > sealedUpTo;
  }

  /** Whether the log ends with a seal (a checkpoint may be taken). */
  public boolean sealed() {
    return tree.size() == sealedUpTo;
  }

  /** Appends an entry; returns its index. */
  public long append(LedgerEntry e) {
    byte[] data = e.toByteArray();
    add(e, data);
    return tree.size() - 1;
  }

  /** The body of a seal over everything since the last one. */
  public SealBody sealBody(long epoch, ByteString leaderCertificateSha256, long nowMs) {
    MessageDigest d = Sha256.newDigest();
    for (long i = sealedUpTo; i < tree.size(); i++) {
      d.update(tree.leafHash(i));
    }
    return SealBody.newBuilder()
        .setVersion(1)
        .setFirstIndex(sealedUpTo)
        .setCount((int) (tree.size() - sealedUpTo))
        .setEntriesSha256(ByteString.copyFrom(d.digest()))
        .setEpoch(epoch)
        .setLeaderCertificateSha256(leaderCertificateSha256)
        .setAtUnixMs(nowMs)
        .build();
  }

  /** Entries appended since {@link #markWritten}, oldest first. */
  public List<byte[]> unwritten() {
    return List.copyOf(unwritten);
  }

  /** The unwritten entries are now in the store. */
  public void markWritten() {
    unwritten.clear();
    writtenSize = tree.size();
  }

  private void checkSeal(org.entente.proto.v1.SealEntry s) throws InvalidProtocolBufferException {
    SealBody body = SealBody.parseFrom(s.getBody());
    long at = tree.size();
    if (body.getFirstIndex() != sealedUpTo || body.getFirstIndex() + body.getCount() != at) {
      throw new IllegalStateException(
          "the stored ledger was altered: the seal at entry "
              + at
              + " covers ["
              + body.getFirstIndex()
              + ", "
              + (body.getFirstIndex() + body.getCount())
              + ") but follows entries ["
              + sealedUpTo
              + ", "
              + at
              + ")");
    }
    MessageDigest d = Sha256.newDigest();
    for (long i = sealedUpTo; i < at; i++) {
      d.update(tree.leafHash(i));
    }
    if (!MessageDigest.isEqual(d.digest(), body.getEntriesSha256().toByteArray())) {
      throw new IllegalStateException(
          "the stored ledger was altered: entries ["
              + sealedUpTo
              + ", "
              + at
              + ") do not match the digest their seal signed");
    }
    byte[] der = certificateDer.get(body.getLeaderCertificateSha256());
    boolean signed;
    try {
      signed =
          der != null
              && org.entente.security.Signatures.verify(
                  org.entente.security.Signatures.certificate(der).getPublicKey(),
                  org.entente.security.Signatures.SEAL,
                  s.getBody().toByteArray(),
                  s.getSignature().toByteArray());
    } catch (java.security.cert.CertificateException ex) {
      signed = false;
    }
    if (!signed) {
      throw new IllegalStateException(
          "the stored ledger was altered: the seal at entry "
              + at
              + " is not a leader's signature");
    }
  }

  private void add(LedgerEntry e, byte[] data) {
    tree.append(Rfc6962.leafHash(data));
    unwritten.add(data);
    switch (e.getKindCase()) {
      case CERTIFICATE -> {
        ByteString sha = sha256(e.getCertificate());
        certificates.add(sha);
        certificateDer.putIfAbsent(sha, e.getCertificate().getDer().toByteArray());
      }
      case RECEIPT -> {
        ReceiptEntry r = e.getReceipt();
        Observation o = r.getObserved();
        closed.add(o.getReceiptId());
        byJob.computeIfAbsent(o.getJobId(), k -> new ArrayList<>()).add(o);
        lastEntryByJob.put(o.getJobId(), tree.size() - 1);
        if (!r.getAgentBody().isEmpty()) {
          try {
            sequences.add(
                o.getNode() + "#" + UsageReceipt.parseFrom(r.getAgentBody()).getSequence());
          } catch (InvalidProtocolBufferException ex) {
            // the leader logs only receipts it decoded; a stored one that does not is the audit's
          }
        }
        unsealed.add(e);
      }
      case VERIFICATION, QUARANTINE -> unsealed.add(e);
      case GOVERNANCE ->
          governanceLogged = Math.max(governanceLogged, e.getGovernance().getSequence());
      case SEAL -> {
        for (LedgerEntry u : unsealed) {
          countSealed(u);
        }
        unsealed.clear();
        sealedUpTo = tree.size();
      }
      case PROVENANCE -> lastEntryByJob.put(e.getProvenance().getJobId(), tree.size() - 1);
      default -> {}
    }
  }

  /** What a sealed entry does to the accounts and track records. */
  private void countSealed(LedgerEntry e) {
    switch (e.getKindCase()) {
      case RECEIPT -> {
        Observation o = e.getReceipt().getObserved();
        if (o.getHeldForCheck()) {
          accounts.hold(
              o.getReceiptId(),
              o.getNodeNation(),
              o.getChargedNation(),
              o.getCreditedGpuMs(),
              o.getCreditedCpuMs());
        } else {
          accounts.credit(
              o.getNodeNation(), o.getChargedNation(), o.getCreditedGpuMs(), o.getCreditedCpuMs());
        }
      }
      case VERIFICATION -> {
        e.getVerification().getAgreeingReceiptsList().forEach(accounts::release);
        e.getVerification().getWrongReceiptsList().forEach(accounts::withhold);
        tracks.verdict(e.getVerification());
      }
      case QUARANTINE -> tracks.quarantine(e.getQuarantine());
      default -> {}
    }
  }

  private static ByteString sha256(CertificateEntry c) {
    return ByteString.copyFrom(Sha256.newDigest().digest(c.getDer().toByteArray()));
  }
}
