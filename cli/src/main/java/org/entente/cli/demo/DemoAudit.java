package org.entente.cli.demo;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.entente.cli.Main;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.CheckpointStatus;
import org.entente.proto.v1.GetCheckpointRequest;

/**
 * The demo's last step: each nation's auditor runs {@code entente ledger audit} on its own, with
 * its own state file, once a majority has cosigned everything the workloads logged; the demo prints
 * the first audit's balances and every auditor's verdict and root.
 */
final class DemoAudit {
  private final PrintWriter out;

  DemoAudit(PrintWriter out) {
    this.out = out;
  }

  /** Waits until the cosigned checkpoint covers the whole log (at most {@code waitMs}). */
  static void awaitCosigned(FederationClient c, long waitMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + waitMs;
    while (System.currentTimeMillis() < deadline) {
      CheckpointStatus s =
          c.ledger(x -> x.getCheckpoint(GetCheckpointRequest.getDefaultInstance()));
      if (s.hasCosigned()) {
        try {
          long size =
              CheckpointBody.parseFrom(s.getCosigned().getCheckpoint().getBody()).getTreeSize();
          if (size == s.getTreeSize()) {
            return;
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return; // the audit will say what is wrong with it
        }
      }
      Thread.sleep(200); // polling a remote state; nothing to await locally
    }
  }

  /** Runs every nation's audit; returns whether all passed. */
  boolean run(List<String> nations, Path identities, Path stateDir, String coordinators) {
    boolean all = true;
    boolean shown = false;
    for (String n : nations) {
      String lower = n.toLowerCase(Locale.ROOT);
      StringWriter text = new StringWriter();
      var cl = Main.commandLine();
      cl.setOut(new PrintWriter(text));
      cl.setErr(new PrintWriter(new StringWriter()));
      int code =
          cl.execute(
              "ledger",
              "audit",
              "--coordinator",
              coordinators,
              "--identity",
              identities.resolve(lower + "-auditor").toString(),
              "--state",
              stateDir.resolve(lower + "-audit.json").toString());
      String[] lines = text.toString().split("\n");
      if (!shown) {
        for (String l : lines) {
          out.println("  " + l);
        }
        shown = true;
      }
      String verdict = lines.length == 0 ? "" : lines[0];
      out.printf(
          "  %s's auditor: %s (%s)%n",
          n, code == 0 ? "passed" : "FAILED, exit " + code, verdict.replaceFirst("^log ", ""));
      all &= code == 0;
    }
    out.flush();
    return all;
  }
}
