package org.entente.agent.shards;

import com.google.protobuf.ByteString;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.SignedReceipt;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.Signatures;

/**
 * Signs this node's usage receipts with its certificate key. The sequence number starts from the
 * clock in microseconds and grows by one per receipt, so it stays unique across restarts without a
 * file (a restart takes far longer than the receipts it could overlap). Thread-safe.
 */
public final class ReceiptSigner {
  /** How long the leader accepts a receipt after the attempt ended. */
  public static final Duration VALIDITY = Duration.ofDays(7);

  private final KeyMaterial keys;
  private final Clock clock;
  private final byte[] certificate;
  private final AtomicLong sequence;
  private final AtomicLong gpuMsSigned = new AtomicLong();
  private final AtomicLong cpuMsSigned = new AtomicLong();

  public ReceiptSigner(KeyMaterial keys, Clock clock) {
    if (keys.identity().role() != Role.NODE) {
      throw new IllegalArgumentException(
          "receipts are signed with a node certificate, not " + keys.identity());
    }
    this.keys = keys;
    this.clock = clock;
    try {
      this.certificate = keys.certificate().getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("the node certificate cannot be encoded", e);
    }
    this.sequence = new AtomicLong(Math.multiplyExact(clock.millis(), 1000L));
  }

  /**
   * The receipt for an attempt that ran from {@code startMs} to {@code endMs} on this node's clock:
   * GPU- and CPU-milliseconds are that span times the GPUs and CPUs allocated.
   *
   * @param phase SUCCEEDED, FAILED or CANCELLED
   */
  public SignedReceipt sign(
      ShardAssignment a, String phase, long startMs, long endMs, List<String> outputs) {
    Identity me = keys.identity();
    int gpus = a.getResources().getGpus();
    long end = Math.max(startMs, endMs);
    UsageReceipt r =
        UsageReceipt.newBuilder()
            .setVersion(1)
            .setJobId(a.getJobId())
            .setShard(a.getShard())
            .setAttempt(a.getAttempt())
            .setNode(me.nation() + "/" + me.name())
            .setNodeNation(me.nation())
            .setChargedNation(a.getNation())
            .setGpus(gpus)
            .setStartUnixMs(startMs)
            .setEndUnixMs(end)
            .setGpuMs(Math.multiplyExact(end - startMs, (long) gpus))
            .addAllOutputSha256(outputs)
            .setSequence(sequence.incrementAndGet())
            .setExpiresUnixMs(Math.addExact(clock.millis(), VALIDITY.toMillis()))
            .setPhase(phase)
            .setCpus(a.getResources().getCpus())
            .setCpuMs(Math.multiplyExact(end - startMs, (long) a.getResources().getCpus()))
            .build();
    gpuMsSigned.addAndGet(r.getGpuMs());
    cpuMsSigned.addAndGet(r.getCpuMs());
    byte[] body = r.toByteArray();
    return SignedReceipt.newBuilder()
        .setBody(ByteString.copyFrom(body))
        .setSignature(
            ByteString.copyFrom(Signatures.sign(keys.privateKey(), Signatures.RECEIPT, body)))
        .setCertificate(ByteString.copyFrom(certificate))
        .build();
  }

  /** GPU-milliseconds in every receipt signed so far (each attempt's end is signed once). */
  public long gpuMsSigned() {
    return gpuMsSigned.get();
  }

  /** CPU-milliseconds in every receipt signed so far. */
  public long cpuMsSigned() {
    return cpuMsSigned.get();
  }
}
