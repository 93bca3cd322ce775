package org.entente.bench;

import com.google.protobuf.ByteString;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.entente.coordinator.leader.EpochStore;
import org.entente.coordinator.leader.Fence;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.ReceiptIds;
import org.entente.coordinator.logstore.LedgerStore;
import org.entente.coordinator.logstore.LedgerWriter;
import org.entente.proto.v1.LedgerEntry;
import org.entente.proto.v1.Observation;
import org.entente.proto.v1.ReceiptEntry;
import org.entente.proto.v1.UsageReceipt;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.entente.security.Signatures;

/**
 * An acknowledged receipt is never lost: a leader process appends dual-signed receipts to the log
 * in ZooKeeper through fenced transactions and prints each acknowledged range only after its commit
 * returned; this harness SIGKILLs it at random points and starts a new leader (a new epoch, loading
 * and checking the stored log) until {@code --receipts} are acknowledged. Then three independent
 * verifiers, one per nation, read the stored log and must find every acknowledged receipt exactly
 * once, no problem, and the same root.
 *
 * <p>{@code java -cp bench/target/entente-bench.jar:... org.entente.bench.LedgerCrashBench
 * [--receipts 100000] [--seed 7] [--max-life-ms 1500]}
 */
public final class LedgerCrashBench {
  private static final int BATCH = 200;
  private static final String JOB = "j1-1";

  private LedgerCrashBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("leader")) {
      leader(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
      return;
    }
    int target = Args.integer(args, "--receipts", 100_000);
    long seed = Args.integer(args, "--seed", 7);
    // How long a leader may append before it is killed, at most: a new leader replays the whole
    // log first, so on a long run a longer life keeps the run's length in reason.
    int maxLifeMs = Args.integer(args, "--max-life-ms", 1_500);
    SplittableRandom random = new SplittableRandom(seed);
    Path dir = Files.createTempDirectory("ledger-crash");
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE", "FR", "JP");
    write(dir.resolve("leader"), pki.issue(new Identity("DE", Role.COORDINATOR, "leader")));
    for (String n : List.of("DE", "FR", "JP")) {
      write(dir.resolve("node-" + n), pki.issue(new Identity(n, Role.NODE, "gpu-01")));
    }
    BitSet acked = new BitSet(target);
    java.util.concurrent.atomic.AtomicBoolean complete =
        new java.util.concurrent.atomic.AtomicBoolean();
    int kills = 0;
    long started = System.nanoTime();
    try (TestingServer zk = new TestingServer(true)) {
      // Until every receipt is acknowledged, or a leader finds all of them stored: receipts whose
      // commit landed but whose acknowledgement a kill cut off are in the log, never acknowledged.
      while (acked.cardinality() < target && !complete.get()) {
        Process p =
            new ProcessBuilder(
                    "java",
                    "-cp",
                    System.getProperty("java.class.path"),
                    LedgerCrashBench.class.getName(),
                    "leader",
                    zk.getConnectString(),
                    dir.toString(),
                    Integer.toString(target))
                .redirectError(
                    ProcessBuilder.Redirect.appendTo(dir.resolve("leaders.log").toFile()))
                .start();
        java.util.concurrent.CountDownLatch firstAck = new java.util.concurrent.CountDownLatch(1);
        Thread reader =
            new Thread(
                () -> {
                  try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                      String[] f = line.split(" ");
                      if (f[0].equals("DONE")) {
                        complete.set(true);
                        firstAck.countDown();
                      }
                      if (f[0].equals("ACK")) {
                        synchronized (acked) {
                          acked.set(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
                        }
                        firstAck.countDown();
                      }
                    }
                  } catch (java.io.IOException e) {
                    // the process died: what it acknowledged is in
                  }
                });
        reader.start();
        boolean last = acked.cardinality() > target * 0.97;
        // Killed at a random point once it is appending (a leader that never got going proves
        // nothing), anywhere in its batches: mid-signing, mid-commit, between commit and print.
        while (!last && firstAck.getCount() > 0 && p.isAlive()) {
          firstAck.await(100, TimeUnit.MILLISECONDS);
        }
        long life = random.nextInt(maxLifeMs);
        if (!last && !p.waitFor(life, TimeUnit.MILLISECONDS)) {
          p.destroyForcibly(); // SIGKILL, mid-append or mid-commit
          kills++;
        }
        p.waitFor();
        reader.join();
        synchronized (acked) {
          System.out.printf(
              "leader %d ended: %d receipts acknowledged%n", kills, acked.cardinality());
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      try (CuratorFramework c = client(zk.getConnectString())) {
        List<byte[]> entries = new LedgerStore(c).readAll();
        List<String> roots = new ArrayList<>();
        int missing = 0;
        for (String nation : List.of("DE", "FR", "JP")) {
          LogVerifier v = new LogVerifier(pki.bundle()); // each nation on its own
          for (int i = 0; i < entries.size(); i++) {
            v.accept(i, entries.get(i));
          }
          v.finish(Runtime.getRuntime().availableProcessors());
          roots.add(HexFormat.of().formatHex(v.tree().root()));
          if (!v.problems().isEmpty()) {
            throw new IllegalStateException(
                nation
                    + " found problems: "
                    + v.problems().subList(0, Math.min(5, v.problems().size())));
          }
          missing = 0;
          for (int k = acked.nextSetBit(0); k >= 0; k = acked.nextSetBit(k + 1)) {
            if (v.receiptIndex(ReceiptIds.of(JOB, k, 1)) == null) {
              missing++;
            }
          }
        }
        System.out.println("leaders' logs: " + dir.resolve("leaders.log"));
        System.out.printf(
            "%d leaders SIGKILLed; %d receipts acknowledged, %d entries stored, %d acknowledged"
                + " receipts missing, duplicates 0 (the verifier refuses any), roots %s%n",
            kills,
            acked.cardinality(),
            entries.size(),
            missing,
            roots.stream().distinct().count() == 1
                ? "identical in DE, FR, JP: " + roots.get(0)
                : "DIFFER: " + roots);
        System.out.printf(
            "%.1f s in all (with restarts), %.0f receipts/s%n",
            seconds, acked.cardinality() / seconds);
        if (missing > 0 || roots.stream().distinct().count() != 1) {
          System.exit(1);
        }
      }
    }
  }

  /** One leader: a new epoch, the stored log loaded and checked, then appends until target. */
  private static void leader(String connect, Path dir, int target) throws Exception {
    try (CuratorFramework zk = client(connect)) {
      String latch =
          zk.create()
              .creatingParentsIfNeeded()
              .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
              .forPath("/crash/latch-");
      EpochStore epochs = new EpochStore(zk);
      Fence fence = epochs.advance(latch);
      KeyMaterial keys = read(dir.resolve("leader"));
      List<KeyMaterial> nodes = new ArrayList<>();
      for (String n : List.of("DE", "FR", "JP")) {
        nodes.add(read(dir.resolve("node-" + n)));
      }
      LedgerStore store = new LedgerStore(zk);
      LedgerWriter writer = LedgerWriter.load(store, keys);
      List<ByteString> certs = new ArrayList<>();
      for (KeyMaterial n : nodes) {
        certs.add(writer.logCertificate(n.certificate().getEncoded()));
      }
      int next = writer.book().receiptsOf(JOB).size();
      long sequence = System.currentTimeMillis() * 1000;
      while (next < target) {
        int from = next;
        for (int i = 0; i < BATCH && next < target; i++, next++) {
          int who = next % 3;
          KeyMaterial node = nodes.get(who);
          long now = System.currentTimeMillis();
          String nation = node.identity().nation();
          String charged = List.of("FR", "JP", "DE").get(who);
          UsageReceipt r =
              UsageReceipt.newBuilder()
                  .setVersion(1)
                  .setJobId(JOB)
                  .setShard(next)
                  .setAttempt(1)
                  .setNode(nation + "/gpu-01")
                  .setNodeNation(nation)
                  .setChargedNation(charged)
                  .setGpus(1)
                  .setStartUnixMs(now - 1000)
                  .setEndUnixMs(now)
                  .setGpuMs(1000)
                  .setSequence(++sequence)
                  .setExpiresUnixMs(now + 86_400_000)
                  .setPhase("SUCCEEDED")
                  .build();
          byte[] body = r.toByteArray();
          writer.append(
              LedgerEntry.newBuilder()
                  .setReceipt(
                      ReceiptEntry.newBuilder()
                          .setAgentBody(ByteString.copyFrom(body))
                          .setAgentSignature(
                              ByteString.copyFrom(
                                  Signatures.sign(node.privateKey(), Signatures.RECEIPT, body)))
                          .setAgentCertificateSha256(certs.get(who))
                          .setObserved(
                              Observation.newBuilder()
                                  .setReceiptId(ReceiptIds.of(JOB, next, 1))
                                  .setJobId(JOB)
                                  .setShard(next)
                                  .setAttempt(1)
                                  .setNode(nation + "/gpu-01")
                                  .setNodeNation(nation)
                                  .setChargedNation(charged)
                                  .setGpus(1)
                                  .setPlacedUnixMs(now - 1500)
                                  .setObservedEndUnixMs(now)
                                  .setCreditedGpuMs(1000)
                                  .setEpoch(fence.epoch())))
                  .build());
        }
        List<CuratorOp> ops = new ArrayList<>();
        for (LedgerWriter.OpGroup g : writer.seal(fence.epoch(), System.currentTimeMillis())) {
          ops.addAll(g.ops());
        }
        epochs.commit(fence, ops);
        System.out.println("ACK " + from + " " + next); // only after the commit returned
        System.out.flush();
      }
      System.out.println("DONE " + next);
      System.out.flush();
    }
  }

  private static CuratorFramework client(String connect) {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(connect)
            .namespace("entente")
            .sessionTimeoutMs(4000)
            .retryPolicy(new ExponentialBackoffRetry(100, 10))
            .build();
    c.start();
    return c;
  }

  private static void write(Path dir, KeyMaterial k) throws Exception {
    Files.createDirectories(dir);
    Pem.writePublic(dir.resolve("cert.pem"), k.certificate());
    Pem.writePrivateKey(dir.resolve("key.pem"), k.privateKey());
  }

  private static KeyMaterial read(Path dir) throws Exception {
    return KeyMaterial.load(dir.resolve("cert.pem"), dir.resolve("key.pem"));
  }
}
