package org.entente.coordinator.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.entente.coordinator.scheduler.Quota;
import org.entente.coordinator.zk.Json;
import org.entente.proto.v1.CertificateEntry;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.Cosignature;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.PlacementDecision;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.SchedulingEntry;
import org.entente.proto.v1.SealBody;
import org.entente.proto.v1.SealEntry;
import org.entente.proto.v1.SignedCheckpoint;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;
import org.entente.security.transparency.MerkleTree;
import org.entente.security.transparency.Rfc6962;

/**
 * A real PKI of DE, FR and JP (production {@link LocalPki}) and logs built the way the leader
 * builds them: agents sign receipts with {@link Signatures#RECEIPT} as {@code ReceiptSigner} does,
 * the leader logs the agent's certificate, appends the receipt entry with its observation ({@code
 * LedgerDuties.close}), and seals each batch through {@link LedgerBook#sealBody} signed with {@link
 * Signatures#SEAL} ({@code LedgerWriter.seal}). Not thread-safe.
 */
final class LedgerFixture {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final long T0 = NOW.toEpochMilli();
  static final long PLACED = T0 - 3_600_000;
  static final String LOG_ID = "entente/1767225600000";
  static final long EPOCH = 3;

  final LocalPki pki = LocalPki.create(Clock.fixed(NOW, ZoneOffset.UTC), "DE", "FR", "JP");
  final TrustBundle bundle = pki.bundle();
  private final Map<String, KeyMaterial> nodes = new HashMap<>();
  private final Map<String, KeyMaterial> coordinators = new HashMap<>();
  private final Map<String, Long> sequences = new HashMap<>();

  /**
   * The key and certificate of node {@code NATION/name}, issued by its nation's CA on first use.
   */
  KeyMaterial node(String node) {
    return nodes.computeIfAbsent(
        node,
        n -> {
          String[] p = n.split("/", 2);
          return pki.issue(new Identity(p[0], Role.NODE, p[1]));
        });
  }

  /** The coordinator of {@code nation}. */
  KeyMaterial coordinator(String nation) {
    return coordinators.computeIfAbsent(
        nation, n -> pki.issue(new Identity(n, Role.COORDINATOR, "coord-1")));
  }

  /**
   * One attempt as it happened: placed at {@code placedMs}, started 100 ms later, ran {@code runMs}
   * on {@code gpus} GPUs, and the leader saw it end 100 ms after that.
   */
  record Run(
      String jobId,
      int shard,
      int attempt,
      String node,
      String chargedNation,
      int gpus,
      long placedMs,
      long runMs,
      long sequence) {
    String nodeNation() {
      return node.substring(0, node.indexOf('/'));
    }

    String receiptId() {
      return ReceiptIds.of(jobId, shard, attempt);
    }

    /** The same run as another attempt of its shard. */
    Run withAttempt(int a) {
      return new Run(jobId, shard, a, node, chargedNation, gpus, placedMs, runMs, sequence);
    }

    long startMs() {
      return placedMs + 100;
    }

    long endMs() {
      return startMs() + runMs;
    }

    long observedEndMs() {
      return endMs() + 100;
    }

    long gpuMs() {
      return runMs * gpus;
    }

    /** The most the leader may credit: (observed end - placed) * gpus. */
    long boundGpuMs() {
      return (observedEndMs() - placedMs) * gpus;
    }

    AttemptFacts facts(List<String> outputs) {
      return new AttemptFacts(
          jobId, shard, attempt, node, nodeNation(), chargedNation, gpus, placedMs, outputs);
    }
  }

  /** Attempt 1 of a shard, with the node's next sequence number. */
  Run run(String jobId, int shard, String node, String chargedNation, int gpus, long runMs) {
    long seq = sequences.merge(node, 1L, Long::sum) + 1_000_000;
    return new Run(jobId, shard, 1, node, chargedNation, gpus, PLACED, runMs, seq);
  }

  /** The receipt the run's agent signs (as {@code ReceiptSigner.sign} builds it). */
  static UsageReceipt.Builder usage(Run r) {
    return UsageReceipt.newBuilder()
        .setVersion(1)
        .setJobId(r.jobId())
        .setShard(r.shard())
        .setAttempt(r.attempt())
        .setNode(r.node())
        .setNodeNation(r.nodeNation())
        .setChargedNation(r.chargedNation())
        .setGpus(r.gpus())
        .setStartUnixMs(r.startMs())
        .setEndUnixMs(r.endMs())
        .setGpuMs(r.gpuMs())
        .setSequence(r.sequence())
        .setExpiresUnixMs(r.endMs() + Duration.ofDays(7).toMillis())
        .setPhase("SUCCEEDED");
  }

  static SignedReceipt sign(UsageReceipt u, KeyMaterial signer) {
    byte[] body = u.toByteArray();
    return SignedReceipt.newBuilder()
        .setBody(ByteString.copyFrom(body))
        .setSignature(
            ByteString.copyFrom(Signatures.sign(signer.privateKey(), Signatures.RECEIPT, body)))
        .setCertificate(ByteString.copyFrom(der(signer)))
        .build();
  }

  /** The run's receipt signed by its own node. */
  SignedReceipt signed(Run r) {
    return sign(usage(r).build(), node(r.node()));
  }

  /** What the leader records of the run (as {@code LedgerDuties.observation} builds it). */
  static Observation.Builder observation(Run r) {
    return Observation.newBuilder()
        .setReceiptId(r.receiptId())
        .setJobId(r.jobId())
        .setShard(r.shard())
        .setAttempt(r.attempt())
        .setNode(r.node())
        .setNodeNation(r.nodeNation())
        .setChargedNation(r.chargedNation())
        .setGpus(r.gpus())
        .setPlacedUnixMs(r.placedMs())
        .setObservedEndUnixMs(r.observedEndMs())
        .setEpoch(EPOCH);
  }

  static byte[] der(KeyMaterial k) {
    try {
      return k.certificate().getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ByteString sha256(byte[] data) {
    return ByteString.copyFrom(Sha256.newDigest().digest(data));
  }

  Log log() {
    return new Log(coordinator("DE"));
  }

  /** A log as one leader appends it, kept in a {@link LedgerBook}. */
  final class Log {
    final LedgerBook book = new LedgerBook();
    final KeyMaterial leader;

    Log(KeyMaterial leader) {
      this.leader = leader;
    }

    /** Logs a certificate unless it is logged already (as {@code LedgerWriter.logCertificate}). */
    ByteString certificate(byte[] der) {
      ByteString sha = sha256(der);
      if (!book.certificateLogged(sha)) {
        book.append(
            LedgerEntry.newBuilder()
                .setCertificate(CertificateEntry.newBuilder().setDer(ByteString.copyFrom(der)))
                .build());
      }
      return sha;
    }

    long append(LedgerEntry e) {
      return book.append(e);
    }

    /** Closes the run with its agent's genuine receipt, crediting what the agent claimed. */
    long receipt(Run r) {
      SignedReceipt s = signed(r);
      return receipt(s, observation(r).setCreditedGpuMs(r.gpuMs()).setNote("SUCCEEDED").build());
    }

    /**
     * Logs the receipt's certificate, then the receipt entry with {@code observed} and the
     * signature's nonce point as the leader derives it (empty when the signature does not hold).
     */
    long receipt(SignedReceipt s, Observation observed) {
      ByteString cert = certificate(s.getCertificate().toByteArray());
      byte[] nonce;
      try {
        nonce =
            Signatures.verifyRecovering(
                    Signatures.certificate(s.getCertificate().toByteArray()).getPublicKey(),
                    Signatures.RECEIPT,
                    s.getBody().toByteArray(),
                    s.getSignature().toByteArray())
                .nonce();
      } catch (java.security.cert.CertificateException e) {
        nonce = new byte[0];
      }
      return append(
          LedgerEntry.newBuilder()
              .setReceipt(
                  ReceiptEntry.newBuilder()
                      .setAgentBody(s.getBody())
                      .setAgentSignature(s.getSignature())
                      .setAgentCertificateSha256(cert)
                      .setAgentSignatureNonce(ByteString.copyFrom(nonce))
                      .setObserved(observed))
              .build());
    }

    /** Closes the run without its agent, crediting nothing. */
    long leaderOnly(Run r, String note) {
      return append(
          LedgerEntry.newBuilder()
              .setReceipt(
                  ReceiptEntry.newBuilder()
                      .setObserved(observation(r).setLeaderOnly(true).setNote(note)))
              .build());
    }

    /** Seals everything since the last seal with the leader's key. */
    long seal() {
      return seal(leader);
    }

    /** Seals everything since the last seal, signed by {@code signer} naming its certificate. */
    long seal(KeyMaterial signer) {
      ByteString cert = certificate(der(signer));
      byte[] body = book.sealBody(EPOCH, cert, T0).toByteArray();
      return append(
          LedgerEntry.newBuilder()
              .setSeal(
                  SealEntry.newBuilder()
                      .setBody(ByteString.copyFrom(body))
                      .setSignature(
                          ByteString.copyFrom(
                              Signatures.sign(signer.privateKey(), Signatures.SEAL, body))))
              .build());
    }

    /** A scheduling pass as {@code LedgerDuties.scheduling} logs it. */
    long scheduling(Map<String, Quota> quotas, List<PlacementDecision> decisions) {
      String policy = policyJson(quotas);
      return append(
          LedgerEntry.newBuilder()
              .setScheduling(
                  SchedulingEntry.newBuilder()
                      .setAtUnixMs(T0)
                      .setEpoch(EPOCH)
                      .setPolicyJson(policy)
                      .setPolicySha256(
                          ByteString.copyFrom(
                              Sha256.newDigest().digest(policy.getBytes(StandardCharsets.UTF_8))))
                      .addAllPlacements(decisions))
              .build());
    }

    /** Every entry appended, in order, as stored. */
    List<byte[]> entries() {
      return new ArrayList<>(book.unwritten());
    }

    /** The log as it is now, checkpointed by the leader and cosigned by {@code nations}. */
    CosignedCheckpoint checkpoint(String... nations) {
      return cosigned(checkpointBody(book.size(), book.tree().root(), LOG_ID), leader, nations);
    }
  }

  /** {@code LedgerDuties.policyOf}, serialized as the leader serializes it. */
  static String policyJson(Map<String, Quota> quotas) {
    Map<String, Object> p = new TreeMap<>();
    p.put("quotas", new TreeMap<>(quotas));
    p.put("halfLifeMs", Duration.ofHours(1).toMillis());
    p.put("fairShareWeights", "ledger-contributions");
    return new String(Json.write(p), StandardCharsets.UTF_8);
  }

  static PlacementDecision placement(Run r, String action) {
    return PlacementDecision.newBuilder()
        .setJobId(r.jobId())
        .setShard(r.shard())
        .setAttempt(r.attempt())
        .setNode(r.node())
        .setChargedNation(r.chargedNation())
        .setGpus(r.gpus())
        .setAction(action)
        .build();
  }

  static CheckpointBody checkpointBody(long size, byte[] root, String logId) {
    return CheckpointBody.newBuilder()
        .setVersion(1)
        .setLogId(logId)
        .setTreeSize(size)
        .setRootHash(ByteString.copyFrom(root))
        .setAtUnixMs(T0)
        .setEpoch(EPOCH)
        .build();
  }

  static SignedCheckpoint signCheckpoint(CheckpointBody body, KeyMaterial signer) {
    byte[] b = body.toByteArray();
    return SignedCheckpoint.newBuilder()
        .setBody(ByteString.copyFrom(b))
        .setSignature(
            ByteString.copyFrom(Signatures.sign(signer.privateKey(), Signatures.CHECKPOINT, b)))
        .setCertificate(ByteString.copyFrom(der(signer)))
        .build();
  }

  /** A cosignature labelled {@code nation}, made with {@code signer}'s key and certificate. */
  static Cosignature cosign(SignedCheckpoint sc, String nation, KeyMaterial signer) {
    return Cosignature.newBuilder()
        .setNation(nation)
        .setSignature(
            ByteString.copyFrom(
                Signatures.sign(
                    signer.privateKey(), Signatures.COSIGN, sc.getBody().toByteArray())))
        .setCertificate(ByteString.copyFrom(der(signer)))
        .setAtUnixMs(T0)
        .build();
  }

  /** The checkpoint signed by {@code leader} and cosigned by each nation's own coordinator. */
  CosignedCheckpoint cosigned(CheckpointBody body, KeyMaterial leader, String... nations) {
    SignedCheckpoint sc = signCheckpoint(body, leader);
    CosignedCheckpoint.Builder c = CosignedCheckpoint.newBuilder().setCheckpoint(sc);
    for (String n : nations) {
      c.addCosignatures(cosign(sc, n, coordinator(n)));
    }
    return c.build();
  }

  /** Runs every entry through a fresh verifier and finishes it. */
  LogVerifier verify(List<byte[]> entries, int parallelism) {
    LogVerifier v = new LogVerifier(bundle);
    for (int i = 0; i < entries.size(); i++) {
      v.accept(i, entries.get(i));
    }
    v.finish(parallelism);
    return v;
  }

  static LedgerEntry parse(byte[] entry) {
    try {
      return LedgerEntry.parseFrom(entry);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * A receipt entry with its agent body and observation edited; the agent's signature is kept, so
   * an edited body no longer matches it.
   */
  static byte[] editReceipt(
      byte[] entry, UnaryOperator<UsageReceipt.Builder> agent, UnaryOperator<Observation.Builder> o)
      throws InvalidProtocolBufferException {
    ReceiptEntry r = parse(entry).getReceipt();
    UsageReceipt u = UsageReceipt.parseFrom(r.getAgentBody());
    return LedgerEntry.newBuilder()
        .setReceipt(
            r.toBuilder()
                .setAgentBody(agent.apply(u.toBuilder()).build().toByteString())
                .setObserved(o.apply(r.getObserved().toBuilder())))
        .build()
        .toByteArray();
  }

  /**
   * What a leader holding its key can do to a log it rewrote: every seal is made again over the
   * entries now before it (same leader certificate, new coverage and digest, fresh signature).
   */
  static List<byte[]> reseal(List<byte[]> entries, KeyMaterial leader)
      throws InvalidProtocolBufferException {
    List<byte[]> out = new ArrayList<>();
    MerkleTree tree = new MerkleTree();
    long first = 0;
    for (byte[] e : entries) {
      byte[] data = e;
      LedgerEntry le;
      try {
        le = LedgerEntry.parseFrom(e);
      } catch (InvalidProtocolBufferException ex) {
        le = null;
      }
      if (le != null && le.hasSeal()) {
        MessageDigest d = Sha256.newDigest();
        for (long i = first; i < out.size(); i++) {
          d.update(tree.leafHash(i));
        }
        byte[] body =
            SealBody.parseFrom(le.getSeal().getBody()).toBuilder()
                .setFirstIndex(first)
                .setCount((int) (out.size() - first))
                .setEntriesSha256(ByteString.copyFrom(d.digest()))
                .build()
                .toByteArray();
        data =
            LedgerEntry.newBuilder()
                .setSeal(
                    SealEntry.newBuilder()
                        .setBody(ByteString.copyFrom(body))
                        .setSignature(
                            ByteString.copyFrom(
                                Signatures.sign(leader.privateKey(), Signatures.SEAL, body))))
                .build()
                .toByteArray();
        first = out.size() + 1;
      }
      out.add(data);
      tree.append(Rfc6962.leafHash(data));
    }
    return out;
  }

  /**
   * The inclusion proof of entry {@code index} under {@code checkpoint}, assembled as {@code
   * LedgerReader.proof} does: entry and seal paths, the sealed leaf hashes, the leader's and the
   * agent's certificates.
   */
  static InclusionProof proof(List<byte[]> entries, long index, CosignedCheckpoint checkpoint)
      throws InvalidProtocolBufferException {
    long size = CheckpointBody.parseFrom(checkpoint.getCheckpoint().getBody()).getTreeSize();
    MerkleTree tree = new MerkleTree();
    Map<ByteString, byte[]> certificates = new LinkedHashMap<>();
    long seal = -1;
    for (int i = 0; i < entries.size(); i++) {
      tree.append(Rfc6962.leafHash(entries.get(i)));
      LedgerEntry e = parse(entries.get(i));
      if (e.hasCertificate()) {
        byte[] der = e.getCertificate().getDer().toByteArray();
        certificates.putIfAbsent(sha256(der), der);
      }
      if (e.hasSeal() && i > index && seal < 0) {
        seal = i;
      }
    }
    InclusionProof.Builder p =
        InclusionProof.newBuilder()
            .setIndex(index)
            .setEntry(ByteString.copyFrom(entries.get((int) index)))
            .setSealIndex(seal)
            .setSeal(ByteString.copyFrom(entries.get((int) seal)))
            .setCheckpoint(checkpoint);
    tree.inclusionProof(index, size).forEach(h -> p.addPath(ByteString.copyFrom(h)));
    tree.inclusionProof(seal, size).forEach(h -> p.addSealPath(ByteString.copyFrom(h)));
    SealBody sb = SealBody.parseFrom(parse(entries.get((int) seal)).getSeal().getBody());
    for (long i = sb.getFirstIndex(); i < sb.getFirstIndex() + sb.getCount(); i++) {
      p.addSealedLeafHashes(ByteString.copyFrom(tree.leafHash(i)));
    }
    byte[] leaderCert = certificates.get(sb.getLeaderCertificateSha256());
    if (leaderCert != null) {
      p.addCertificates(ByteString.copyFrom(leaderCert));
    }
    LedgerEntry e = parse(entries.get((int) index));
    if (e.hasReceipt() && !e.getReceipt().getAgentCertificateSha256().isEmpty()) {
      byte[] agent = certificates.get(e.getReceipt().getAgentCertificateSha256());
      if (agent != null) {
        p.addCertificates(ByteString.copyFrom(agent));
      }
    }
    return p.build();
  }
}
