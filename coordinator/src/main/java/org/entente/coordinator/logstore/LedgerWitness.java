package org.entente.coordinator.logstore;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.entente.coordinator.ledger.CheckpointCheck;
import org.entente.coordinator.metrics.CoordinatorMetrics;
import org.entente.coordinator.zk.Json;
import org.entente.coordinator.zk.ZkPaths;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.Cosignature;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.security.KeyMaterial;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;
import org.entente.security.transparency.CompactRange;
import org.entente.security.transparency.Rfc6962;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One nation's witness of the log, run by its replica. It cosigns a checkpoint only when the
 * leader's signature holds and the tree it names extends the last one this witness cosigned: it
 * recomputes the root itself from the new entries in ZooKeeper and the tree edge it keeps on its
 * own disk. A smaller tree (rollback), another root for the same size (fork) or a root the entries
 * do not give (an entry edited, removed or reordered) is refused and raised loudly: an ERROR log,
 * {@code entente_ledger_witness_alarms_total}, and the alarms {@code entente ledger audit} shows.
 * When a majority of nations cosigned one checkpoint, the witness that sees it publishes it as
 * {@code /ledger/checkpoints/cosigned} (a conditional write: the cosigned size only grows).
 * Thread-safe: all work runs on its own thread.
 */
public final class LedgerWitness implements java.io.Closeable {
  private static final Logger log = LoggerFactory.getLogger(LedgerWitness.class);
  private static final int MAX_ALARMS = 20;
  private static final long RECHECK_EVERY_MS = 30_000;

  private final CuratorFramework zk;
  private final LedgerStore store;
  private final KeyMaterial keys;
  private final TrustBundle bundle;
  private final Path stateFile;
  private final Clock clock;
  private final CoordinatorMetrics metrics;
  private final ScheduledExecutorService thread;
  private final Deque<String> alarms = new ArrayDeque<>();
  private String logId;
  private WitnessState state;
  private byte[] lastSeen;
  private long lastRecheck;

  /**
   * @param stateFile where the witness keeps its record (null: memory only, for tests that do not
   *     restart it)
   */
  public LedgerWitness(
      CuratorFramework zk,
      KeyMaterial keys,
      TrustBundle bundle,
      Path stateFile,
      Clock clock,
      CoordinatorMetrics metrics) {
    this.zk = zk;
    this.store = new LedgerStore(zk);
    this.keys = keys;
    this.bundle = bundle;
    this.stateFile = stateFile;
    this.clock = clock;
    this.metrics = metrics;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "entente-witness");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts checking every {@code interval}. */
  public void start(Duration interval) throws Exception {
    store.ensureRoot();
    logId = LedgerLogId.read(zk);
    state = load();
    if (!state.logId().equals(logId)) {
      throw new IllegalStateException(
          "witness state "
              + stateFile
              + " belongs to log "
              + state.logId()
              + ", this federation's log is "
              + logId
              + "; move it away only if this replica joined a new federation");
    }
    long every = interval.toMillis();
    thread.scheduleWithFixedDelay(this::safeCheck, every, every, TimeUnit.MILLISECONDS);
  }

  /** The last checkpoint this witness cosigned: size. */
  public synchronized long cosignedSize() {
    return state == null ? 0 : state.size();
  }

  /** Refusals, newest first. */
  public synchronized List<String> alarms() {
    return List.copyOf(alarms);
  }

  private void safeCheck() {
    try {
      if (clock.millis() - lastRecheck >= RECHECK_EVERY_MS) {
        lastRecheck = clock.millis();
        recheckStored();
      }
      check();
    } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException e) {
      log.debug("witness: ZooKeeper unavailable ({}); trying again", e.toString());
    } catch (Exception e) {
      log.warn("witness check failed: {}", e.toString());
    }
  }

  /** One look at the latest checkpoint (the thread calls it; tests may too). */
  synchronized void check() throws Exception {
    byte[] data;
    try {
      data = zk.getData().forPath(ZkPaths.LEDGER_CHECKPOINT);
    } catch (KeeperException.NoNodeException e) {
      return;
    }
    if (data.length == 0 || Arrays.equals(data, lastSeen)) {
      return;
    }
    lastSeen = data;
    SignedCheckpoint sc;
    try {
      sc = SignedCheckpoint.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      alarm("malformed", "the latest checkpoint does not decode");
      return;
    }
    CheckpointCheck.Result leaderCheck =
        CheckpointCheck.check(
            CosignedCheckpoint.newBuilder().setCheckpoint(sc).build(), bundle, logId);
    if (leaderCheck.body() == null) {
      alarm("signature", "checkpoint refused: " + leaderCheck.problems());
      return;
    }
    CheckpointBody body = leaderCheck.body();
    if (!body.getLogId().equals(logId)) {
      alarm("log-id", "checkpoint of log " + body.getLogId() + ", this federation's is " + logId);
      return;
    }
    String root = HexFormat.of().formatHex(body.getRootHash().toByteArray());
    if (body.getTreeSize() < state.size()) {
      alarm(
          "rollback",
          "checkpoint of size "
              + body.getTreeSize()
              + " is smaller than the size "
              + state.size()
              + " this witness cosigned: the log was rolled back");
      return;
    }
    if (body.getTreeSize() == state.size() && !root.equals(state.rootHex())) {
      alarm(
          "fork",
          "checkpoint of size "
              + body.getTreeSize()
              + " has root "
              + root
              + ", but this witness"
              + " cosigned root "
              + state.rootHex()
              + " for that size: the log forked");
      return;
    }
    CompactRange edge =
        CompactRange.of(state.size(), state.edge().stream().map(HexFormat.of()::parseHex).toList());
    if (body.getTreeSize() > state.size()) {
      List<byte[]> fresh;
      try {
        fresh = entries(state.size(), body.getTreeSize());
      } catch (IllegalStateException e) {
        alarm("entries", e.getMessage());
        return;
      }
      String broken = checkSeals(fresh, state.size(), sc);
      if (broken != null) {
        alarm("seal", broken);
        return;
      }
      for (byte[] e : fresh) {
        edge.append(Rfc6962.leafHash(e));
      }
      String computed = HexFormat.of().formatHex(edge.root());
      if (!computed.equals(root)) {
        alarm(
            "root-mismatch",
            "checkpoint of size "
                + body.getTreeSize()
                + " names root "
                + root
                + ", but the stored entries give "
                + computed
                + ": an entry was edited, removed or reordered, or the leader signed another log");
        return;
      }
    }
    WitnessState next =
        new WitnessState(
            logId,
            body.getTreeSize(),
            root,
            edge.hashes().stream().map(HexFormat.of()::formatHex).toList());
    save(next); // our own record first: a crash after this never cosigns an inconsistent tree
    state = next;
    cosign(sc);
    metrics.witnessCosigned.inc();
    metrics.ledgerSize.set(next.size());
    metrics.ledgerCheckpointTime.set(body.getAtUnixMs() / 1000.0);
    publishIfMajority(sc);
  }

  /**
   * Checks that the new entries [from, from + n) decode and are covered, in order, by seals whose
   * digests match them and end the range, each signed by the leader that signed the checkpoint (or
   * by another coordinator whose certificate the range logs): an entry edited, removed or reordered
   * before any checkpoint covered it breaks its seal. Returns what is wrong, or null.
   */
  private static String checkSeals(List<byte[]> fresh, long from, SignedCheckpoint sc)
      throws Exception {
    java.util.Map<ByteString, java.security.PublicKey> keys = new java.util.HashMap<>();
    byte[] signer = sc.getCertificate().toByteArray();
    keys.put(
        ByteString.copyFrom(org.entente.security.Sha256.newDigest().digest(signer)),
        Signatures.certificate(signer).getPublicKey());
    List<byte[]> hashes = new ArrayList<>();
    long sealedTo = from;
    for (int i = 0; i < fresh.size(); i++) {
      long index = from + i;
      LedgerEntry e;
      try {
        e = LedgerEntry.parseFrom(fresh.get(i));
      } catch (InvalidProtocolBufferException ex) {
        return "entry " + index + " is not a ledger entry";
      }
      if (e.hasCertificate()) {
        byte[] der = e.getCertificate().getDer().toByteArray();
        try {
          keys.putIfAbsent(
              ByteString.copyFrom(org.entente.security.Sha256.newDigest().digest(der)),
              Signatures.certificate(der).getPublicKey());
        } catch (java.security.cert.CertificateException ex) {
          return "entry " + index + " is not a certificate";
        }
      }
      if (e.hasSeal()) {
        org.entente.proto.v1.SealBody b =
            org.entente.proto.v1.SealBody.parseFrom(e.getSeal().getBody());
        if (b.getFirstIndex() != sealedTo || b.getFirstIndex() + b.getCount() != index) {
          return "the seal at entry " + index + " does not cover the entries before it";
        }
        java.security.MessageDigest d = org.entente.security.Sha256.newDigest();
        for (long j = sealedTo; j < index; j++) {
          d.update(hashes.get((int) (j - from)));
        }
        if (!java.security.MessageDigest.isEqual(d.digest(), b.getEntriesSha256().toByteArray())) {
          return "entries ["
              + sealedTo
              + ", "
              + index
              + ") do not match the digest their seal"
              + " signed: an entry was edited, removed or reordered";
        }
        java.security.PublicKey k = keys.get(b.getLeaderCertificateSha256());
        if (k != null
            && !Signatures.verify(
                k,
                Signatures.SEAL,
                e.getSeal().getBody().toByteArray(),
                e.getSeal().getSignature().toByteArray())) {
          return "the seal at entry " + index + " is not the leader's signature";
        }
        sealedTo = index + 1;
      }
      hashes.add(Rfc6962.leafHash(fresh.get(i)));
    }
    if (sealedTo != from + fresh.size()) {
      return "entries from " + sealedTo + " on are covered by no seal";
    }
    return null;
  }

  /**
   * Reads the whole stored log up to the size this witness cosigned and recomputes its root: an
   * entry edited, removed or reordered in ZooKeeper after it was cosigned is raised here, not only
   * when an auditor next downloads it.
   */
  synchronized void recheckStored() throws Exception {
    if (state.size() == 0) {
      return;
    }
    List<byte[]> all;
    try {
      all = entries(0, state.size());
    } catch (IllegalStateException e) {
      alarm(
          "stored-log-altered",
          "the stored log no longer holds the "
              + state.size()
              + " entries this witness cosigned: "
              + e.getMessage());
      return;
    }
    CompactRange fresh = new CompactRange();
    for (byte[] e : all) {
      fresh.append(Rfc6962.leafHash(e));
    }
    String root = HexFormat.of().formatHex(fresh.root());
    if (!root.equals(state.rootHex())) {
      alarm(
          "stored-log-altered",
          "the first "
              + state.size()
              + " stored entries give root "
              + root
              + ", but this witness cosigned "
              + state.rootHex()
              + ": an entry was edited, removed or reordered in ZooKeeper");
    }
  }

  private List<byte[]> entries(long from, long to) throws Exception {
    LedgerHead head = store.head().head();
    if (head.size() < to) {
      throw new IllegalStateException(
          "the checkpoint names " + to + " entries but the log holds " + head.size());
    }
    List<byte[]> out = new ArrayList<>();
    for (long b = 0; b < head.blocks() && out.size() < to - from; b++) {
      LedgerStore.Block block = store.block(b);
      long first = block.chunk().getFirstIndex();
      int n = block.chunk().getEntriesCount();
      if (first + n <= from) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        long index = first + i;
        if (index >= from && index < to) {
          out.add(block.chunk().getEntries(i).toByteArray());
        }
      }
    }
    if (out.size() != to - from) {
      throw new IllegalStateException(
          "entries [" + from + ", " + to + ") are not all in the stored blocks");
    }
    return out;
  }

  private void cosign(SignedCheckpoint sc) throws Exception {
    Cosignature mine =
        Cosignature.newBuilder()
            .setNation(keys.identity().nation())
            .setSignature(
                ByteString.copyFrom(
                    Signatures.sign(
                        keys.privateKey(), Signatures.COSIGN, sc.getBody().toByteArray())))
            .setCertificate(ByteString.copyFrom(keys.certificate().getEncoded()))
            .setAtUnixMs(clock.millis())
            .build();
    byte[] data =
        CosignedCheckpoint.newBuilder()
            .setCheckpoint(sc)
            .addCosignatures(mine)
            .build()
            .toByteArray();
    String path = ZkPaths.cosignature(keys.identity().nation());
    try {
      zk.setData().forPath(path, data);
    } catch (KeeperException.NoNodeException e) {
      zk.create().creatingParentsIfNeeded().forPath(path, data);
    }
  }

  /** Publishes the checkpoint a majority cosigned, if it is larger than the one published. */
  private void publishIfMajority(SignedCheckpoint sc) throws Exception {
    byte[] body = sc.getBody().toByteArray();
    CosignedCheckpoint.Builder gathered = CosignedCheckpoint.newBuilder().setCheckpoint(sc);
    for (String nation : zk.getChildren().forPath(ZkPaths.LEDGER_COSIGNATURES)) {
      CosignedCheckpoint c;
      try {
        c = CosignedCheckpoint.parseFrom(zk.getData().forPath(ZkPaths.cosignature(nation)));
      } catch (InvalidProtocolBufferException | KeeperException.NoNodeException e) {
        continue; // not a cosignature: it counts for nothing
      }
      if (Arrays.equals(body, c.getCheckpoint().getBody().toByteArray())) {
        gathered.addAllCosignatures(c.getCosignaturesList());
      }
    }
    CosignedCheckpoint candidate = gathered.build();
    CheckpointCheck.Result r = CheckpointCheck.check(candidate, bundle, logId);
    if (!r.counts()) {
      return;
    }
    Stat stat = new Stat();
    byte[] current;
    try {
      current = zk.getData().storingStatIn(stat).forPath(ZkPaths.LEDGER_COSIGNED);
    } catch (KeeperException.NoNodeException e) {
      try {
        zk.create()
            .creatingParentsIfNeeded()
            .forPath(ZkPaths.LEDGER_COSIGNED, candidate.toByteArray());
      } catch (KeeperException.NodeExistsException raced) {
        // another witness published first; the next check compares sizes
      }
      return;
    }
    long currentSize = 0;
    if (current.length > 0) {
      CosignedCheckpoint published = parseOrNull(current);
      CheckpointCheck.Result now =
          published == null ? null : CheckpointCheck.check(published, bundle, logId);
      if (now != null && now.counts()) {
        currentSize = now.body().getTreeSize();
      } else {
        // Not written by a witness: one that does not count must not hold back one that does.
        alarm(
            "forged-cosigned",
            "the published cosigned checkpoint does not count ("
                + (now == null ? "it does not decode" : now.problems())
                + "); replacing it");
      }
    }
    int have =
        currentSize > 0 && currentSize == r.body().getTreeSize()
            ? CosignedCheckpoint.parseFrom(current).getCosignaturesCount()
            : 0;
    if (r.body().getTreeSize() > currentSize
        || (r.body().getTreeSize() == currentSize && candidate.getCosignaturesCount() > have)) {
      try {
        zk.setData()
            .withVersion(stat.getVersion())
            .forPath(ZkPaths.LEDGER_COSIGNED, candidate.toByteArray());
      } catch (KeeperException.BadVersionException raced) {
        // another witness published meanwhile
      }
    }
  }

  private static CosignedCheckpoint parseOrNull(byte[] data) {
    try {
      return CosignedCheckpoint.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private void alarm(String reason, String detail) {
    log.error("LEDGER WITNESS ALARM ({}): {}", reason, detail);
    metrics.witnessAlarms.labelValues(reason).inc();
    alarms.addFirst(clock.instant() + " " + reason + ": " + detail);
    while (alarms.size() > MAX_ALARMS) {
      alarms.removeLast();
    }
  }

  private WitnessState load() throws IOException {
    if (stateFile == null || !Files.exists(stateFile)) {
      return new WitnessState(logId, 0, HexFormat.of().formatHex(Rfc6962.emptyRoot()), List.of());
    }
    try {
      return Json.read(Files.readAllBytes(stateFile), WitnessState.class);
    } catch (RuntimeException e) {
      throw new IOException("witness state " + stateFile + " is unreadable: " + e.getMessage(), e);
    }
  }

  private void save(WitnessState s) throws IOException {
    if (stateFile == null) {
      return;
    }
    Files.createDirectories(stateFile.toAbsolutePath().getParent());
    Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
    Files.write(tmp, Json.write(s));
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    try {
      Files.move(
          tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
