package org.entente.coordinator.ledger;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import org.entente.coordinator.ledger.LedgerFixture.Log;
import org.entente.coordinator.ledger.LedgerFixture.Run;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.SealBody;
import org.entente.proto.v1.SealEntry;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.Sha256;

/**
 * Coverage-guided fuzzing of the receipt and entry decoders with real certificates. Each run checks
 * that nothing escapes {@link ReceiptCheck} or {@link LogVerifier} (an exception is a finding) and
 * that nothing the fuzzer makes is ever accepted: without a node's or the leader's key no body
 * carries a valid signature, so
 *
 * <ol>
 *   <li>{@link ReceiptCheck#verifySignature} accepts exactly the genuine receipt's bytes, and
 *   <li>entries appended to a sealed log never change its accounts or its count of receipts.
 * </ol>
 *
 * <p>Under plain {@code mvn test} both methods replay their seeds (the empty input and the files in
 * {@code ReceiptDecoderFuzzTestInputs/<method>/}: one closes an attempt under a seal with the right
 * digest and a forged signature); the coordinator pom runs each again in its own JVM with {@code
 * JAZZER_FUZZ=1}, where Jazzer fuzzes it for {@code maxDuration}. The seeds follow the order in
 * which the methods consume their input: reorder the consumption and they test something else.
 */
class ReceiptDecoderFuzzTest {
  private static final LedgerFixture F = new LedgerFixture();
  private static final FederationTrust.Snapshot TRUST =
      new FederationTrust.Snapshot(F.bundle, Map.of());
  private static final Run RUN = F.run("j1-1", 0, "DE/gpu-1", "FR", 2, 60_000);
  private static final SignedReceipt GENUINE = F.signed(RUN);

  /** DER of a node, a coordinator, another nation's node, and the DE CA's root. */
  private static final List<byte[]> CERTIFICATES =
      List.of(
          LedgerFixture.der(F.node("DE/gpu-1")),
          LedgerFixture.der(F.coordinator("DE")),
          LedgerFixture.der(F.node("FR/gpu-1")),
          rootDer());

  /** A sealed log of one genuine receipt, with the other certificates logged too. */
  private static final List<byte[]> PREFIX = prefix();

  private static final Accounts.Nation PREFIX_DE = F.verify(PREFIX, 1).accounts().nation("DE");

  private static byte[] rootDer() {
    try {
      return F.bundle.root("DE").getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<byte[]> prefix() {
    Log log = F.log();
    log.certificate(CERTIFICATES.get(2));
    log.receipt(GENUINE, LedgerFixture.observation(RUN).setCreditedGpuMs(RUN.gpuMs()).build());
    log.seal();
    return log.entries();
  }

  @FuzzTest(maxDuration = "10s")
  void verifySignature_fuzzedReceipt_neverThrowsAndAcceptsOnlyTheGenuineBytes(
      FuzzedDataProvider data) {
    SignedReceipt s =
        switch (data.consumeInt(0, 2)) {
          case 0 -> asSignedReceipt(data.consumeBytes(2048));
          case 1 ->
              SignedReceipt.newBuilder()
                  .setBody(ByteString.copyFrom(data.consumeBytes(512)))
                  .setSignature(pickSignature(data))
                  .setCertificate(pickCertificate(data))
                  .build();
          default ->
              GENUINE.toBuilder()
                  .setBody(edit(data, GENUINE.getBody()))
                  .setSignature(edit(data, GENUINE.getSignature()))
                  .setCertificate(
                      data.consumeBoolean() ? GENUINE.getCertificate() : pickCertificate(data))
                  .build();
        };
    long now = LedgerFixture.T0 + data.consumeLong(-1_000, 1_000);

    ReceiptCheck.Signed signed = ReceiptCheck.verifySignature(s, now, TRUST);
    Refusal facts = ReceiptCheck.matchFacts(signed, RUN.facts(List.of()), RUN.observedEndMs(), now);

    // Compared field by field: a parsed message may also carry unknown fields.
    boolean genuine =
        s.getBody().equals(GENUINE.getBody())
            && s.getSignature().equals(GENUINE.getSignature())
            && s.getCertificate().equals(GENUINE.getCertificate());
    if (genuine != (signed.refused() == null)) {
      throw new AssertionError(
          (genuine ? "refused the genuine receipt: " + signed.refused() : "accepted a forgery: ")
              + s);
    }
    if ((signed.refused() == null) != (signed.receipt() != null) || genuine != (facts == null)) {
      throw new AssertionError("inconsistent verdict " + signed + " / " + facts);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void logVerifier_fuzzedEntriesAfterASealedLog_neverThrowAndCountNothingNew(
      FuzzedDataProvider data) {
    LogVerifier v = new LogVerifier(F.bundle);
    for (byte[] e : PREFIX) {
      v.accept(v.size(), e);
    }
    int n = data.consumeInt(0, 5);
    for (int i = 0; i < n; i++) {
      byte[] entry =
          switch (data.consumeInt(0, 4)) {
            case 0 -> data.consumeBytes(1024);
            case 1 -> receiptEntry(data).toByteArray();
            case 2 -> sealEntry(data, v).toByteArray();
            case 3 -> PREFIX.get(data.consumeInt(0, PREFIX.size() - 1));
            default -> edit(data, ByteString.copyFrom(PREFIX.get(2))).toByteArray();
          };
      v.accept(v.size(), entry);
    }
    if (data.consumeInt(0, 3) != 0) {
      // Mostly end with a seal of the right coverage and digest, as only a seal makes a count.
      v.accept(v.size(), sealEntry(data, v).toByteArray());
    }
    v.finish(data.consumeBoolean() ? 1 : 2);

    if (v.receiptsCounted() != 1
        || !v.accounts().nation("DE").equals(PREFIX_DE)
        || v.accounts().totalContributedGpuMs() != RUN.gpuMs()) {
      throw new AssertionError(
          "fuzzed entries changed the accounts: "
              + v.accounts().nations()
              + ", counted "
              + v.receiptsCounted()
              + ", problems "
              + v.problems());
    }
  }

  /** A receipt entry shaped to pass the cheap checks, so the signature check is what decides. */
  private static LedgerEntry receiptEntry(FuzzedDataProvider data) {
    int attempt = data.consumeInt(1, 3);
    int gpus = data.consumeInt(0, 4);
    long placed = data.consumeLong(0, 1_000_000);
    long end = placed + data.consumeLong(0, 1_000_000);
    long credit = data.consumeLong(-1, (end - placed) * gpus + 1);
    String node = data.pickValue(List.of("DE/gpu-1", "FR/gpu-1", "DE/coord-1"));
    String nation = node.substring(0, 2);
    String charged = data.pickValue(List.of("DE", "FR", "JP"));
    boolean leaderOnly = data.consumeBoolean();
    Observation o =
        Observation.newBuilder()
            .setReceiptId(ReceiptIds.of("jf-1", 0, attempt))
            .setJobId("jf-1")
            .setShard(0)
            .setAttempt(attempt)
            .setNode(node)
            .setNodeNation(nation)
            .setChargedNation(charged)
            .setGpus(gpus)
            .setPlacedUnixMs(placed)
            .setObservedEndUnixMs(end)
            .setCreditedGpuMs(leaderOnly && data.consumeBoolean() ? 0 : credit)
            .setLeaderOnly(leaderOnly)
            .build();
    ByteString body =
        data.consumeBoolean()
            ? ByteString.copyFrom(data.consumeBytes(256))
            : UsageReceipt.newBuilder()
                .setVersion(1)
                .setJobId("jf-1")
                .setAttempt(attempt)
                .setNode(node)
                .setNodeNation(nation)
                .setChargedNation(charged)
                .setGpus(gpus)
                .setGpuMs(o.getCreditedGpuMs())
                .setSequence(data.consumeLong())
                .build()
                .toByteString();
    ReceiptEntry.Builder r = ReceiptEntry.newBuilder().setObserved(o);
    if (!leaderOnly || data.consumeBoolean()) {
      r.setAgentBody(body)
          .setAgentSignature(pickSignature(data))
          .setAgentCertificateSha256(LedgerFixture.sha256(pickCertificate(data).toByteArray()));
    }
    return LedgerEntry.newBuilder().setReceipt(r).build();
  }

  /** A seal with the right coverage and digest; only its signer and signature are fuzzed. */
  private static LedgerEntry sealEntry(FuzzedDataProvider data, LogVerifier v) {
    MessageDigest d = Sha256.newDigest();
    for (long i = v.sealedUpTo(); i < v.size(); i++) {
      d.update(v.tree().leafHash(i));
    }
    SealBody body =
        SealBody.newBuilder()
            .setVersion(1)
            .setFirstIndex(v.sealedUpTo())
            .setCount((int) (v.size() - v.sealedUpTo()))
            .setEntriesSha256(ByteString.copyFrom(d.digest()))
            .setEpoch(LedgerFixture.EPOCH)
            .setLeaderCertificateSha256(
                LedgerFixture.sha256(
                    data.consumeBoolean()
                        ? CERTIFICATES.get(1) // the leader's
                        : pickCertificate(data).toByteArray()))
            .setAtUnixMs(data.consumeLong())
            .build();
    return LedgerEntry.newBuilder()
        .setSeal(
            SealEntry.newBuilder().setBody(body.toByteString()).setSignature(pickSignature(data)))
        .build();
  }

  private static SignedReceipt asSignedReceipt(byte[] bytes) {
    try {
      return SignedReceipt.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return SignedReceipt.newBuilder()
          .setBody(ByteString.copyFrom(bytes))
          .setCertificate(GENUINE.getCertificate())
          .build();
    }
  }

  /** Mostly a real certificate, else fuzzed bytes. */
  private static ByteString pickCertificate(FuzzedDataProvider data) {
    int k = data.consumeInt(0, CERTIFICATES.size());
    return k < CERTIFICATES.size()
        ? ByteString.copyFrom(CERTIFICATES.get(k))
        : ByteString.copyFrom(data.consumeBytes(600));
  }

  /** A real signature made for something else, or fuzzed bytes. */
  private static ByteString pickSignature(FuzzedDataProvider data) {
    return data.consumeBoolean()
        ? GENUINE.getSignature()
        : ByteString.copyFrom(data.consumeBytes(80));
  }

  /** {@code b} after a few fuzzer-chosen edits (possibly none). */
  private static ByteString edit(FuzzedDataProvider data, ByteString b) {
    byte[] out = b.toByteArray();
    int edits = data.consumeInt(0, 3);
    for (int i = 0; i < edits && out.length > 0; i++) {
      int at = data.consumeInt(0, out.length - 1);
      switch (data.consumeInt(0, 2)) {
        case 0 -> out[at] ^= (byte) (1 << data.consumeInt(0, 7));
        case 1 -> out = java.util.Arrays.copyOf(out, at);
        default -> out[at] = data.consumeByte();
      }
    }
    return ByteString.copyFrom(out);
  }
}
