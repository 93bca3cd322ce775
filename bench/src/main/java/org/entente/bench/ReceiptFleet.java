package org.entente.bench;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.entente.agent.shards.ReceiptSigner;
import org.entente.coordinator.ledger.AttemptFacts;
import org.entente.proto.v1.ShardAssignment;
import org.entente.proto.v1.ShardResources;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.Sha256;

/**
 * Node agents of DE, FR and JP, each with its own node certificate from its nation's CA and the
 * agent's own {@link ReceiptSigner}, and finished attempts for them to sign: every attempt a
 * distinct job, placed two minutes ago, run for one minute, with one output. The leader's {@link
 * AttemptFacts} for each are what its records would say, so every receipt passes {@code
 * ReceiptCheck.matchFacts}. Thread-safe once built (the signers are).
 */
final class ReceiptFleet {
  /** One finished attempt: what the agent was assigned and what the leader knows of it. */
  record Attempt(ShardAssignment assignment, ReceiptSigner signer, AttemptFacts facts) {
    long startMs() {
      return facts.placedAtMs() + 100;
    }

    /** The agent's receipt, as {@code ReportOutbox} has its signer make it. */
    SignedReceipt sign() {
      return signer.sign(assignment, "SUCCEEDED", startMs(), startMs() + 60_000, facts.outputs());
    }
  }

  private static final String[] NATIONS = {"DE", "FR", "JP"};

  private final List<KeyMaterial> nodes = new ArrayList<>();
  private final List<ReceiptSigner> signers = new ArrayList<>();
  private final Clock clock;

  ReceiptFleet(LocalPki pki, int nodesPerNation, Clock clock) {
    this.clock = clock;
    for (String nation : NATIONS) {
      for (int i = 0; i < nodesPerNation; i++) {
        KeyMaterial k = pki.issue(new Identity(nation, Role.NODE, "gpu-" + i));
        nodes.add(k);
        signers.add(new ReceiptSigner(k, clock));
      }
    }
  }

  int size() {
    return nodes.size();
  }

  KeyMaterial node(int i) {
    return nodes.get(i);
  }

  /** {@code n} attempts of distinct jobs named after {@code prefix}, round-robin over the nodes. */
  List<Attempt> attempts(String prefix, int n) {
    long placed = clock.millis() - 120_000;
    List<Attempt> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = i % nodes.size();
      Identity me = nodes.get(k).identity();
      String jobId = prefix + "-" + i;
      String charged = NATIONS[(i / nodes.size()) % NATIONS.length];
      int gpus = 1 + i % 4;
      int cpus = 8;
      String output =
          Sha256.hex(
              updated(Sha256.newDigest(), (jobId + "/out").getBytes(StandardCharsets.UTF_8)));
      ShardAssignment a =
          ShardAssignment.newBuilder()
              .setJobId(jobId)
              .setShard(0)
              .setAttempt(1)
              .setKind("training")
              .setTotalShards(1)
              .setResources(ShardResources.newBuilder().setGpus(gpus).setCpus(cpus))
              .setPlacedAtUnixMs(placed)
              .setNation(charged)
              .build();
      AttemptFacts f =
          new AttemptFacts(
              jobId,
              0,
              1,
              me.nation() + "/" + me.name(),
              me.nation(),
              charged,
              gpus,
              placed,
              List.of(output),
              cpus);
      out.add(new Attempt(a, signers.get(k), f));
    }
    return out;
  }

  private static java.security.MessageDigest updated(java.security.MessageDigest d, byte[] b) {
    d.update(b);
    return d;
  }
}
