package org.entente.coordinator.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.entente.proto.v1.CertificateEntry;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ProvenanceEntry;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.SchedulingEntry;
import org.entente.proto.v1.SealBody;
import org.entente.proto.v1.SealEntry;
import org.entente.security.BatchVerifier;
import org.entente.security.Identity;
import org.entente.security.Role;
import org.entente.security.Sha256;
import org.entente.security.Signatures;
import org.entente.security.TrustBundle;
import org.entente.security.transparency.MerkleTree;
import org.entente.security.transparency.Rfc6962;

/**
 * Checks a log entry by entry, as any partner can alone with only the trust bundle, and keeps the
 * accounts of what it counted.
 *
 * <p>Rules: every entry decodes; a certificate chains to a member root of its own nation; a receipt
 * keeps the rules of {@link ReceiptAudit} (it closes an attempt no earlier entry closed, within the
 * observed bound, signed by the very node, with the credit the agent claimed and a fresh sequence
 * number; a leader-only closure credits nothing) and its signature verifies; a seal covers exactly
 * the entries since the previous seal, its digest matches their leaf hashes, and a coordinator's
 * signature verifies. A receipt counts only once a valid seal covers it, so only dual-signed
 * receipts reach the accounts.
 *
 * <p>Signatures are checked by {@link #finish}, in batches ({@link BatchVerifier}: receipts whose
 * nonce point the leader logged cost about half a verification each) and in parallel, since they
 * are nearly all of the cost. Not thread-safe.
 */
public final class LogVerifier {
  /** A logged certificate that chains to the bundle, with what it names. */
  record Known(X509Certificate certificate, Identity identity, PublicKey key) {}

  private record SignatureCheck(long index, String rule, BatchVerifier.Item item) {}

  /** Signatures verified in one batch: large enough to share the work, small enough to split. */
  private static final int BATCH = 256;

  /** A receipt waiting for its seal. */
  private record Unsealed(long index, Observation observed, LedgerEntry other) {
    Unsealed(long index, Observation observed) {
      this(index, observed, null);
    }
  }

  private final TrustBundle bundle;
  private final MerkleTree tree = new MerkleTree();
  private final Map<ByteString, Known> certificates = new HashMap<>();
  private final ReceiptAudit receiptAudit = new ReceiptAudit(certificates::get);
  private final ProvenanceAudit provenance = new ProvenanceAudit();
  private final List<org.entente.proto.v1.RefusedUpdateEntry> refusedUpdates = new ArrayList<>();
  private final List<SchedulingEntry> scheduling = new ArrayList<>();
  private final FairnessAudit fairness = new FairnessAudit();
  private final List<Problem> problems = new ArrayList<>();
  private final List<SignatureCheck> pendingSignatures = new ArrayList<>();
  private final List<Unsealed> unsealed = new ArrayList<>();
  private final VerificationAudit verification = new VerificationAudit();
  private final GovernanceAudit governance = new GovernanceAudit();
  private final TrackRecords tracks = new TrackRecords();
  private final Map<Long, List<Unsealed>> sealedAt = new TreeMap<>();
  private final Map<Long, Long> sealOf = new HashMap<>();
  private long sealedUpTo;
  private long receiptsCounted;
  private Accounts accounts;

  public LogVerifier(TrustBundle bundle) {
    this.bundle = bundle;
  }

  /** Entries accepted so far. */
  public long size() {
    return tree.size();
  }

  /** The tree of the entries accepted so far (leaf hashes of their exact bytes). */
  public MerkleTree tree() {
    return tree;
  }

  /** Checks the next entry; {@code index} must be {@link #size()}. */
  public void accept(long index, byte[] data) {
    if (index != tree.size()) {
      throw new IllegalArgumentException(
          "entries must come in order: expected " + tree.size() + ", got " + index);
    }
    tree.append(Rfc6962.leafHash(data));
    LedgerEntry e;
    try {
      e = LedgerEntry.parseFrom(data);
    } catch (InvalidProtocolBufferException ex) {
      problem(index, "malformed", "not a ledger entry");
      return;
    }
    switch (e.getKindCase()) {
      case CERTIFICATE -> certificate(index, e.getCertificate(), data);
      case RECEIPT -> receipt(index, e.getReceipt());
      case SEAL -> seal(index, e.getSeal());
      case PROVENANCE -> provenanceEntry(index, e.getProvenance());
      case SCHEDULING -> schedulingEntry(index, e.getScheduling());
      case VERIFICATION -> checked(index, e, verification.verification(index, e.getVerification()));
      case QUARANTINE ->
          checked(index, e, verification.quarantine(index, e.getQuarantine(), governance::decides));
      case GOVERNANCE -> problems.addAll(governance.accept(index, e.getGovernance()));
      case REFUSED_UPDATE -> refusedUpdates.add(e.getRefusedUpdate());
      default -> problem(index, "malformed", "a ledger entry of no known kind");
    }
  }

  private void certificate(long index, CertificateEntry c, byte[] data) {
    X509Certificate cert;
    try {
      cert = Signatures.certificate(c.getDer().toByteArray());
    } catch (CertificateException ex) {
      problem(index, "certificate", "not a DER certificate");
      return;
    }
    Identity id;
    try {
      id = CertificateChains.identity(cert, bundle);
    } catch (IllegalArgumentException ex) {
      problem(index, "certificate", ex.getMessage());
      return;
    }
    ByteString sha = ByteString.copyFrom(sha256(c.getDer().toByteArray()));
    certificates.putIfAbsent(sha, new Known(cert, id, cert.getPublicKey()));
  }

  private void receipt(long index, ReceiptEntry r) {
    Observation o = r.getObserved();
    Problem refused = receiptAudit.close(index, o);
    if (refused != null) {
      problems.add(refused);
      return;
    }
    fairness.closed(o);
    ReceiptAudit.Outcome out = receiptAudit.check(index, r);
    problems.addAll(out.problems());
    if (out.signature() != null) {
      pendingSignatures.add(new SignatureCheck(index, "agent-signature", out.signature()));
    }
    if (out.overClaimEvidence()) {
      verification.overClaimed(o.getNode());
    }
    if (out.accepted() != null) {
      verification.receipt(out.accepted(), out.agent());
      unsealed.add(new Unsealed(index, out.accepted()));
    }
  }

  private void seal(long index, SealEntry s) {
    SealBody b;
    try {
      b = SealBody.parseFrom(s.getBody());
    } catch (InvalidProtocolBufferException ex) {
      problem(index, "malformed", "the seal body does not decode");
      return;
    }
    if (b.getFirstIndex() != sealedUpTo || b.getFirstIndex() + b.getCount() != index) {
      problem(
          index,
          "seal-coverage",
          "the seal covers ["
              + b.getFirstIndex()
              + ", "
              + (b.getFirstIndex() + b.getCount())
              + ") but must cover ["
              + sealedUpTo
              + ", "
              + index
              + ")");
      return;
    }
    MessageDigest d = Sha256.newDigest();
    for (long i = b.getFirstIndex(); i < index; i++) {
      d.update(tree.leafHash(i));
    }
    if (!MessageDigest.isEqual(d.digest(), b.getEntriesSha256().toByteArray())) {
      problem(index, "seal-digest", "the seal's digest does not match the entries it covers");
      return;
    }
    Known leader = certificates.get(b.getLeaderCertificateSha256());
    if (leader == null || leader.identity().role() != Role.COORDINATOR) {
      problem(index, "seal-signer", "the seal is not signed by a logged coordinator certificate");
      return;
    }
    pendingSignatures.add(
        new SignatureCheck(
            index,
            "seal-signature",
            new BatchVerifier.Item(
                leader.key(),
                Signatures.SEAL,
                s.getBody().toByteArray(),
                s.getSignature().toByteArray(),
                new byte[0])));
    sealedAt.put(index, new ArrayList<>(unsealed));
    for (Unsealed u : unsealed) {
      sealOf.put(u.index(), index);
    }
    unsealed.clear();
    sealedUpTo = index + 1;
  }

  private void provenanceEntry(long index, ProvenanceEntry p) {
    Problem why = provenance.check(index, p, receiptAudit::observation);
    if (why != null) {
      problems.add(why);
    }
  }

  private void schedulingEntry(long index, SchedulingEntry s) {
    byte[] sha = sha256(s.getPolicyJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    if (!MessageDigest.isEqual(sha, s.getPolicySha256().toByteArray())) {
      problem(index, "policy-digest", "the policy digest does not match the policy it names");
      return;
    }
    scheduling.add(s);
    fairness.scheduling(index, s);
  }

  /** Governance as the log gives it: the state and the changes that took effect. */
  public GovernanceAudit governance() {
    return governance;
  }

  /** How each nation was treated by the quotas in force (the scheduling entries replayed). */
  public FairnessAudit fairness() {
    return fairness;
  }

  /**
   * Verifies the signatures collected so far ({@code parallelism} threads; 1 = this thread) and
   * counts the sealed receipts whose signatures all hold. Call once, after the last entry.
   */
  public void finish(int parallelism) {
    List<SignatureCheck> checks = List.copyOf(pendingSignatures);
    pendingSignatures.clear();
    boolean[] ok = new boolean[checks.size()];
    int batches = (checks.size() + BATCH - 1) / BATCH;
    IntStream range = IntStream.range(0, batches);
    Runnable work =
        () ->
            (parallelism > 1 ? range.parallel() : range)
                .forEach(
                    b -> {
                      int from = b * BATCH;
                      int to = Math.min(checks.size(), from + BATCH);
                      List<BatchVerifier.Item> items = new ArrayList<>(to - from);
                      for (int i = from; i < to; i++) {
                        items.add(checks.get(i).item());
                      }
                      boolean[] verdicts = BatchVerifier.verify(items);
                      System.arraycopy(verdicts, 0, ok, from, to - from);
                    });
    if (parallelism > 1) {
      java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(parallelism);
      try {
        pool.submit(work).join();
      } finally {
        pool.shutdown();
      }
    } else {
      work.run();
    }
    Set<Long> bad = new HashSet<>();
    for (int i = 0; i < checks.size(); i++) {
      if (!ok[i]) {
        SignatureCheck c = checks.get(i);
        bad.add(c.index());
        problem(
            c.index(),
            c.rule(),
            c.rule().equals("seal-signature")
                ? "the leader's signature on the seal does not verify"
                : "the node's signature on the receipt does not verify");
      }
    }
    accounts = new Accounts();
    receiptsCounted = 0;
    for (var e : sealedAt.entrySet()) {
      if (bad.contains(e.getKey())) {
        continue; // a seal without a valid signature countersigns nothing
      }
      for (Unsealed u : e.getValue()) {
        if (u.other() != null) {
          settle(u, bad);
        } else if (!bad.contains(u.index())) {
          Observation o = u.observed();
          if (o.getHeldForCheck()) {
            accounts.hold(
                o.getReceiptId(),
                o.getNodeNation(),
                o.getChargedNation(),
                o.getCreditedGpuMs(),
                o.getCreditedCpuMs());
          } else {
            accounts.credit(
                o.getNodeNation(),
                o.getChargedNation(),
                o.getCreditedGpuMs(),
                o.getCreditedCpuMs());
          }
          receiptsCounted++;
        }
      }
    }
    problems.sort(Comparator.comparingLong(Problem::index));
  }

  /** Rule violations found, by entry (complete after {@link #finish}). */
  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  /** The accounts of counted receipts (after {@link #finish}). */
  public Accounts accounts() {
    if (accounts == null) {
      throw new IllegalStateException("finish() first");
    }
    return accounts;
  }

  public long receiptsCounted() {
    return receiptsCounted;
  }

  /** Receipts not yet covered by a seal (the log's tail). */
  public int unsealedReceipts() {
    return (int) unsealed.stream().filter(u -> u.observed() != null).count();
  }

  /** Every node's verified results and quarantine, from the sealed log (after {@link #finish}). */
  public TrackRecords tracks() {
    return tracks;
  }

  /** A verdict or quarantine that holds joins its pass's seal; one that does not counts nothing. */
  private void checked(long index, LedgerEntry e, List<Problem> found) {
    if (found.isEmpty()) {
      unsealed.add(new Unsealed(index, null, e));
    } else {
      problems.addAll(found);
    }
  }

  /** Applies a sealed verdict or quarantine to the accounts and track records. */
  private void settle(Unsealed u, Set<Long> bad) {
    Problem why =
        VerificationAudit.settle(
            u.index(),
            u.other(),
            id -> receiptAudit.index(id) != null && bad.contains(receiptAudit.index(id)),
            accounts,
            tracks);
    if (why != null) {
      problems.add(why);
    }
  }

  /** Entries covered by seals: [0, sealedUpTo). */
  public long sealedUpTo() {
    return sealedUpTo;
  }

  /** The log index of the entry closing {@code receiptId}, or null. */
  public Long receiptIndex(String receiptId) {
    return receiptAudit.index(receiptId);
  }

  /** The index of the seal that covers entry {@code index}, or null. */
  public Long sealOf(long index) {
    return sealOf.get(index);
  }

  /** The log index of the provenance entry of {@code modelSha256}, or null. */
  public Long provenanceIndex(String modelSha256) {
    return provenance.index(modelSha256);
  }

  public ProvenanceEntry provenance(String modelSha256) {
    return provenance.entry(modelSha256);
  }

  public Observation observation(String receiptId) {
    return receiptAudit.observation(receiptId);
  }

  /** Training updates that rounds left out, in log order. */
  public List<org.entente.proto.v1.RefusedUpdateEntry> refusedUpdates() {
    return List.copyOf(refusedUpdates);
  }

  public List<SchedulingEntry> scheduling() {
    return List.copyOf(scheduling);
  }

  /** The DER of a logged certificate by its SHA-256, or null. */
  public byte[] certificate(ByteString sha256) {
    Known k = certificates.get(sha256);
    try {
      return k == null ? null : k.certificate().getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      return null;
    }
  }

  private void problem(long index, String rule, String detail) {
    problems.add(new Problem(index, rule, detail));
  }

  static byte[] sha256(byte[] data) {
    return Sha256.newDigest().digest(data);
  }
}
