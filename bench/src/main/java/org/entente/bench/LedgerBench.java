package org.entente.bench;

import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingCluster;
import org.entente.proto.v1.SignedReceipt;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.Signatures;

/**
 * The contribution ledger's throughput (issue 13), each figure against a raw primitive measured in
 * the same run:
 *
 * <ol>
 *   <li>Durable dual-signed appends on a three-server ZooKeeper ensemble (Curator {@link
 *       TestingCluster}) at several pass sizes, by {@link LedgerPasses}: appends and commits alone
 *       (receipts verified beforehand), the leader's side (agents' receipts signed beforehand, the
 *       leader verifies on a pool of one thread per core), and end to end (the agents' signing on
 *       the same cores too). Ratios to Bouncy Castle's raw sign and verify rates on all cores.
 *       Target: 5 000 receipts/s. Also what one {@code ReceiptCheck.verifySignature} costs, split
 *       ({@link VerifySplit}).
 *   <li>Audit: {@code LogVerifier} over a valid log of 20 000 receipts ({@link AuditLog}),
 *       signatures checked on one thread and on all cores; receipts/s per core against raw verifies
 *       per second on one thread. Target: 20 000 receipts/s per core.
 *   <li>Inclusion proofs on a tree of a million leaves ({@link ProofRates}), against raw SHA-256
 *       node hashes per second.
 * </ol>
 *
 * Parts 1 and 2 run in rounds, each with its own baseline, and report medians: this machine is
 * shared and its speed drifts by tens of percent within a minute.
 *
 * <p>Usage: {@code bench/run LedgerBench [--receipts 2000] [--batches 50,200,1000] [--rounds 3]
 * [--nodes 10] [--audit-receipts 20000] [--audit-rounds 3] [--seal-every 200] [--leaves 1000000]
 * [--proofs 200000] [--baseline-ms 400] [--warmup 3000]}. {@code --receipts} is per run of part 1;
 * {@code --nodes} per nation.
 */
public final class LedgerBench {
  private LedgerBench() {}

  public static void main(String[] args) throws Exception {
    int receipts = Args.integer(args, "--receipts", 2_000);
    int[] batches =
        Arrays.stream(Args.text(args, "--batches", "50,200,1000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int rounds = Args.integer(args, "--rounds", 3);
    int nodesPerNation = Args.integer(args, "--nodes", 10);
    int auditReceipts = Args.integer(args, "--audit-receipts", 20_000);
    int auditRounds = Args.integer(args, "--audit-rounds", 3);
    int sealEvery = Args.integer(args, "--seal-every", 200);
    int leaves = Args.integer(args, "--leaves", 1_000_000);
    int proofs = Args.integer(args, "--proofs", 200_000);
    int baselineMs = Args.integer(args, "--baseline-ms", 400);
    int warmup = Args.integer(args, "--warmup", 3_000);
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        "ledger bench: %d receipts per run, passes of %s, %d rounds, %d nodes per nation; audit of"
            + " %d receipts; %d-leaf tree; %d processor(s) visible; load average at start %s%n",
        receipts,
        Arrays.toString(batches),
        rounds,
        nodesPerNation,
        auditReceipts,
        leaves,
        cores,
        loadAverage());

    Clock clock = Clock.systemUTC();
    LocalPki pki = LocalPki.create(clock, "DE", "FR", "JP");
    ReceiptFleet fleet = new ReceiptFleet(pki, nodesPerNation, clock);
    KeyMaterial leader = pki.issue(new Identity("DE", Role.COORDINATOR, "coord-1"));
    FederationTrust.Snapshot trust = pki.trust().snapshot();
    AtomicInteger threadNo = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            cores,
            r -> {
              Thread t = new Thread(r, "bench-verify-" + threadNo.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
    try {
      SignedReceipt sample = fleet.attempts("baseline", 1).get(0).sign();
      AppendTable appends = new AppendTable();
      List<double[]> splits = new ArrayList<>();
      try (TestingCluster cluster = new TestingCluster(3)) {
        long t = System.nanoTime();
        cluster.start();
        try (CuratorFramework zk = client(cluster.getConnectString())) {
          System.out.printf(
              "ZooKeeper ensemble of 3 up in %.1f s%n", (System.nanoTime() - t) / 1e9);
          LedgerPasses passes = new LedgerPasses(zk, leader, trust, pki.bundle(), pool, clock);
          // Warm-up (JIT): Bouncy Castle's EC code takes thousands of calls to compile.
          long w = System.nanoTime();
          passes.run(LedgerPasses.Mode.END_TO_END, fleet.attempts("warmup-a", warmup), 200);
          passes.run(LedgerPasses.Mode.LEADER, fleet.attempts("warmup-b", warmup), 1000);
          VerifySplit.measure(fleet, trust, clock, baselineMs / 2);
          System.out.printf(
              "warm-up: 2 runs of %d receipts and the split of a check in %.1f s (not counted)%n",
              warmup, (System.nanoTime() - w) / 1e9);
          for (int r = 0; r < rounds; r++) {
            CryptoBaseline.Rates rates =
                CryptoBaseline.measure(fleet.node(0), sample, cores, baselineMs);
            splits.add(VerifySplit.measure(fleet, trust, clock, baselineMs / 2));
            List<LedgerPasses.Result> runs = new ArrayList<>();
            for (int batch : batches) {
              for (LedgerPasses.Mode mode : LedgerPasses.Mode.values()) {
                runs.add(
                    passes.run(
                        mode, fleet.attempts(mode + "-" + batch + "-" + r, receipts), batch));
              }
            }
            appends.add(rates, runs);
            System.out.printf("round %d of part 1 done, load average %s%n", r + 1, loadAverage());
          }
        }
      }

      List<ReceiptFleet.Attempt> audited = fleet.attempts("audit", auditReceipts);
      LedgerPasses signer = new LedgerPasses(null, leader, trust, pki.bundle(), pool, clock);
      List<SignedReceipt> signed = signer.all(auditReceipts, i -> audited.get(i).sign());
      List<byte[]> log = AuditLog.build(audited, signed, leader, sealEvery, 7, clock.millis());
      // Warm-up, not reported: the curve arithmetic the batches use must be compiled first.
      for (int w = 0; w < 2; w++) {
        AuditLog.verify(pki.bundle(), log, 1);
      }
      List<AuditLog.Audit> audits = new ArrayList<>();
      List<Double> auditBaseline = new ArrayList<>();
      byte[] body = sample.getBody().toByteArray();
      byte[] sig = sample.getSignature().toByteArray();
      PublicKey key = Signatures.certificate(sample.getCertificate().toByteArray()).getPublicKey();
      for (int r = 0; r < auditRounds; r++) {
        auditBaseline.add(CryptoBaseline.verifyRate(key, body, sig, 1, baselineMs));
        for (int p : new int[] {1, cores}) {
          AuditLog.Audit a = AuditLog.verify(pki.bundle(), log, p);
          if (a.counted() != auditReceipts || a.problems() != 0) {
            throw new IllegalStateException(
                "audit counted " + a.counted() + " receipts with " + a.problems() + " problems");
          }
          audits.add(a);
        }
      }

      ProofRates.Result proof = ProofRates.run(leaves, proofs, 5, 13);

      appends.printRates(cores, sample.getBody().size());
      double[] split = new double[splits.get(0).length];
      for (int i = 0; i < split.length; i++) {
        int k = i;
        split[i] = AppendTable.median(splits.stream().mapToDouble(v -> v[k]).toArray());
      }
      System.out.printf(
          "%nReceiptCheck.verifySignature on one thread, per receipt (median of the rounds):%n"
              + "  whole                                              %7.1f us"
              + " (= %.2f raw verifies)%n"
              + "  decode the certificate (Signatures.certificate)    %7.1f us (JDK cache hit)%n"
              + "  PeerVerifier.verify (root's signature on the cert) %7.1f us (JDK cache hit)%n"
              + "  Signatures.verify with the certificate's key       %7.1f us%n"
              + "  Signatures.verify, key already a Bouncy Castle key %7.1f us%n",
          split[0],
          split[0] * appends.medianOf(CryptoBaseline.Rates::verify1) / 1e6,
          split[1],
          split[2],
          split[3],
          split[4]);
      appends.print(cores, receipts);
      printAudit(log.size(), auditReceipts, sealEvery, audits, auditBaseline);
      printProofs(proof);
      System.out.println("\nload average at the end: " + loadAverage());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void printAudit(
      int entries, int receipts, int sealEvery, List<AuditLog.Audit> audits, List<Double> verify1) {
    System.out.printf(
        "%npart 2: audit, LogVerifier accept + finish over %d entries (%d receipts, a seal every"
            + " %d), %d rounds%n",
        entries, receipts, sealEvery, verify1.size());
    System.out.println(
        "  round  finish(p)  receipts/s  per core  accept s  finish s  raw verify/s (1 thread)"
            + "  per core / raw");
    double best = 0;
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < audits.size(); i++) {
      AuditLog.Audit a = audits.get(i);
      int round = i / 2;
      double perCore = a.rate() / a.parallelism();
      double ratio = perCore / verify1.get(round);
      ratios.add(ratio);
      best = Math.max(best, perCore);
      System.out.printf(
          "  %5d  %9d  %10.0f  %8.0f  %8.2f  %8.2f  %23.0f  %14.3f%n",
          round + 1,
          a.parallelism(),
          a.rate(),
          perCore,
          a.acceptSeconds(),
          a.seconds() - a.acceptSeconds(),
          verify1.get(round),
          ratio);
    }
    System.out.printf(
        "  target 20 000 receipts/s per core: %s (best %.0f per core; one raw verify per receipt"
            + " alone allows %.0f per core)%n",
        best >= 20_000 ? "met" : "not met",
        best,
        AppendTable.median(verify1.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  private static void printProofs(ProofRates.Result p) {
    double hashes = p.hashesPerSecond();
    System.out.printf(
        "%npart 3: inclusion proofs, tree of %d leaves, %d random leaves, one thread"
            + " (mean path %.1f hashes; medians of 5 interleaved rounds)%n",
        p.leaves(), p.proofs(), p.meanPathLength());
    System.out.printf(
        "  raw SHA-256 of a 65-byte node      %10.0f /s%n"
            + "  MerkleTree.append                  %10.0f /s  = %.3f of raw hashes/s%n"
            + "  MerkleTree.inclusionProof          %10.0f /s  = %.4f of raw hashes/s"
            + " (%.1f hash-times each)%n"
            + "  ProofVerifier.verifyInclusion      %10.0f /s  = %.4f of raw hashes/s"
            + " (%.1f hash-times each)%n",
        hashes,
        p.appendsPerSecond(),
        p.appendsPerSecond() / hashes,
        p.proofsPerSecond(),
        p.proofsPerSecond() / hashes,
        hashes / p.proofsPerSecond(),
        p.verifiesPerSecond(),
        p.verifiesPerSecond() / hashes,
        hashes / p.verifiesPerSecond());
  }

  /** The machine's 1, 5 and 15 minute load averages (Linux), to judge how quiet the run was. */
  private static String loadAverage() {
    try {
      String[] f =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static CuratorFramework client(String connect) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs(10_000)
            .retryPolicy(new ExponentialBackoffRetry(100, 5, 1000))
            .build();
    c.start();
    if (!c.blockUntilConnected(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Curator client did not connect to " + connect);
    }
    return c;
  }
}
