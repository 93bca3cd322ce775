package org.entente.cli.ledger;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.coordinator.ledger.CheckpointCheck;
import org.entente.coordinator.ledger.FairnessAudit;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.Problem;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CheckpointStatus;
import org.entente.proto.v1.EntriesChunk;
import org.entente.proto.v1.GetCheckpointRequest;
import org.entente.proto.v1.GetEntriesRequest;
import org.entente.proto.v1.LedgerServiceGrpc;
import org.entente.security.TrustBundle;
import org.entente.security.transparency.ProofVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code entente ledger audit}: downloads the log from any replica and verifies it alone, with only
 * the trust bundle: every entry's signatures and rules, the tree against the checkpoint a majority
 * of nations cosigned, and consistency with the last checkpoint this auditor verified. Then prints
 * each nation's contributed and consumed GPU-hours.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Verify the whole ledger yourself and print each nation's GPU-hours contributed and consumed.",
      "Checks every signature, every receipt's bounds, the tree against the checkpoint a majority"
          + " of nations cosigned, and that it extends the checkpoint this auditor saw last"
          + " (--state). Any failure exits 8 and names the entry and the rule it broke."
    })
public final class AuditCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--nation", paramLabel = "NATION", description = "Print only this nation.")
  String nation;

  @Option(
      names = "--fairness",
      description =
          "Also replay the scheduling entries: was each nation held to the quota in force when"
              + " it was given GPUs?")
  boolean fairness;

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description =
          "The auditor's own record of the last verified checkpoint (default: ~/.entente/ledger-audit.json).")
  Path state;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Signature checks in parallel (default: the machine's cores).")
  Integer threads;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    int parallelism = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (parallelism < 1 || parallelism > 256) {
      throw new UserException(ExitCodes.INVALID, "--threads: must be between 1 and 256");
    }
    TrustBundle bundle = client.trust();
    if (nation != null && !bundle.nations().contains(nation)) {
      throw new UserException(
          ExitCodes.INVALID,
          "--nation: " + nation + " is not a member (members: " + bundle.nations() + ")");
    }
    Path stateFile = state == null ? AuditState.defaultPath() : state;
    PrintWriter err = spec.commandLine().getErr();
    List<Problem> problems = new ArrayList<>();
    LogVerifier v = new LogVerifier(bundle);
    CheckpointBody body;
    CheckpointCheck.Result cp;
    CheckpointStatus status;
    try (FederationClient c = client.open()) {
      status = c.ledger(s -> s.getCheckpoint(GetCheckpointRequest.getDefaultInstance()));
      if (!status.hasCosigned()) {
        throw new UserException(
            ExitCodes.UNAVAILABLE,
            "no checkpoint has been cosigned by a majority of nations yet; retry in a few seconds");
      }
      body = parse(status.getCosigned().getCheckpoint().getBody());
      cp = CheckpointCheck.check(status.getCosigned(), bundle, body.getLogId());
      problems.addAll(cp.problems());
      download(c, body.getTreeSize(), v, err);
    } catch (java.io.IOException e) {
      throw new UserException(ExitCodes.UNAVAILABLE, "download failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException(ExitCodes.FAILURE, "interrupted");
    }
    err.printf("verifying signatures with %d thread(s)...%n", parallelism);
    err.flush();
    v.finish(parallelism);
    problems.addAll(v.problems());
    long size = body.getTreeSize();
    byte[] root = v.tree().root(size);
    String rootHex = HexFormat.of().formatHex(root);
    if (!MessageDigest.isEqual(root, body.getRootHash().toByteArray())) {
      problems.add(
          new Problem(
              -1,
              "root-mismatch",
              "the entries served give root "
                  + rootHex
                  + ", but the checkpoint a majority cosigned names "
                  + HexFormat.of().formatHex(body.getRootHash().toByteArray())
                  + " for size "
                  + size
                  + ": the log was altered or this replica serves a different one"));
    }
    if (status.hasLatest()) {
      CheckpointBody latest = parse(status.getLatest().getCheckpoint().getBody());
      if (latest.getTreeSize() < size) {
        problems.add(
            new Problem(
                -1,
                "rollback",
                "the leader's newest checkpoint (size "
                    + latest.getTreeSize()
                    + ") is smaller than the cosigned one ("
                    + size
                    + ")"));
      }
    }
    Map<String, AuditState.Seen> seen = AuditState.read(stateFile);
    AuditState.Seen prev = seen.get(body.getLogId());
    if (prev != null) {
      checkAgainst(prev, size, root, v, problems);
    }
    for (String alarm : status.getWitnessAlarmsList()) {
      problems.add(
          new Problem(-1, "witness-alarm", "the serving replica's witness reported: " + alarm));
    }
    for (String alarm : governanceAlarms()) {
      problems.add(
          new Problem(-1, "governance-alarm", "the serving replica refused to follow: " + alarm));
    }
    FairnessAudit fair = v.fairness();
    if (fairness) {
      problems.addAll(fair.problems());
    }
    problems.sort(java.util.Comparator.comparingLong(Problem::index));
    if (problems.isEmpty()) {
      seen.put(body.getLogId(), new AuditState.Seen(size, rootHex, System.currentTimeMillis()));
      AuditState.write(stateFile, seen);
    }
    new AuditReport(body, rootHex, cp, v, fair, problems, client.trust().nations(), nation)
        .print(spec.commandLine().getOut(), json, fairness);
    return problems.isEmpty() ? ExitCodes.OK : ExitCodes.VERIFY_FAILED;
  }

  /**
   * What the serving replica refused to follow in governance (hand-edited governed znodes, chain
   * links without valid approvals): not in the log, so only the replica can tell.
   */
  private List<String> governanceAlarms() {
    try (FederationClient c = client.open()) {
      return c.governance(
              s ->
                  s.getGovernedState(
                      org.entente.proto.v1.GetGovernedStateRequest.getDefaultInstance()))
          .getAlarmsList();
    } catch (StatusRuntimeException e) {
      return List.of(); // an older replica, or none reachable: the log's own checks still hold
    }
  }

  private static void checkAgainst(
      AuditState.Seen prev, long size, byte[] root, LogVerifier v, List<Problem> problems) {
    if (prev.size() > size) {
      problems.add(
          new Problem(
              -1,
              "rollback",
              "the cosigned tree has "
                  + size
                  + " entries, fewer than the "
                  + prev.size()
                  + " this auditor verified before: the log was rolled back"));
      return;
    }
    byte[] prevRoot = HexFormat.of().parseHex(prev.rootHex());
    boolean consistent =
        ProofVerifier.verifyConsistency(
            prev.size(), size, prevRoot, root, v.tree().consistencyProof(prev.size(), size));
    if (!consistent || !MessageDigest.isEqual(v.tree().root(prev.size()), prevRoot)) {
      problems.add(
          new Problem(
              -1,
              "fork",
              "the first "
                  + prev.size()
                  + " entries no longer give the root this auditor verified before ("
                  + prev.rootHex()
                  + "): entries were rewritten"));
    }
  }

  private void download(FederationClient c, long size, LogVerifier v, PrintWriter err)
      throws java.io.IOException, InterruptedException {
    c.withChannel(
        ch -> {
          // One stream, re-tried on another replica only if none of it arrived.
          long before = v.size();
          long started = System.nanoTime();
          long lastPrint = started;
          Iterator<EntriesChunk> it =
              ClientCalls.blockingServerStreamingCall(
                  ch,
                  LedgerServiceGrpc.getGetEntriesMethod(),
                  io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.MINUTES),
                  GetEntriesRequest.newBuilder().setFrom(0).setTo(size).build());
          try {
            while (it.hasNext()) {
              EntriesChunk chunk = it.next();
              long index = chunk.getFirstIndex();
              for (var e : chunk.getEntriesList()) {
                v.accept(index++, e.toByteArray());
              }
              long now = System.nanoTime();
              if (now - lastPrint > 1_000_000_000L) {
                lastPrint = now;
                err.printf("downloaded and checked %d of %d entries%n", v.size(), size);
                err.flush();
              }
            }
          } catch (StatusRuntimeException e) {
            if (v.size() > before) {
              throw new java.io.IOException(
                  "the stream broke after "
                      + v.size()
                      + " entries: "
                      + e.getStatus().getDescription());
            }
            throw e;
          }
          err.printf("downloaded %d entries%n", v.size());
          err.flush();
          return null;
        });
    if (v.size() != size) {
      throw new UserException(
          ExitCodes.VERIFY_FAILED,
          "the replica served " + v.size() + " entries for a checkpoint of " + size);
    }
  }

  private static CheckpointBody parse(com.google.protobuf.ByteString b) {
    try {
      return CheckpointBody.parseFrom(b);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new UserException(ExitCodes.VERIFY_FAILED, "the checkpoint does not decode");
    }
  }
}
