package org.entente.cli.ledger;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.entente.cli.Output;
import org.entente.coordinator.ledger.Accounts;
import org.entente.coordinator.ledger.CheckpointCheck;
import org.entente.coordinator.ledger.FairnessAudit;
import org.entente.coordinator.ledger.LogVerifier;
import org.entente.coordinator.ledger.Problem;
import org.entente.proto.v1.CheckpointBody;
import org.entente.proto.v1.GovernedState;
import org.entente.security.governance.Changes;
import org.entente.security.governance.GovernedStates;

/**
 * What {@code entente ledger audit} found, as a table or JSON: per nation contributed and consumed
 * hours and share, fairness, verified work, and every problem. Immutable once built.
 *
 * @param members the member nations, in the order to print them
 * @param nation the one nation to print, or null for all
 */
record AuditReport(
    CheckpointBody body,
    String rootHex,
    CheckpointCheck.Result cp,
    LogVerifier v,
    FairnessAudit fair,
    List<Problem> problems,
    Set<String> members,
    String nation) {

  /** Prints the report, as JSON when {@code json}; {@code fairness} adds the fairness table. */
  void print(PrintWriter out, boolean json, boolean fairness) {
    Accounts a = v.accounts();
    Map<String, Double> shares = a.contributionShares();
    Map<String, Accounts.Nation> nations = new LinkedHashMap<>();
    for (String n : members) {
      if (nation == null || nation.equals(n)) {
        nations.put(n, a.nation(n));
      }
    }
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("ok", problems.isEmpty());
      doc.put("logId", body.getLogId());
      doc.put("treeSize", body.getTreeSize());
      doc.put("rootHash", rootHex);
      doc.put("cosignedBy", cp.cosigners());
      doc.put("receiptsCounted", v.receiptsCounted());
      Map<String, Object> rows = new LinkedHashMap<>();
      nations.forEach(
          (n, x) -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("contributedGpuHours", GpuHours.of(x.contributedGpuMs()));
            r.put("consumedGpuHours", GpuHours.of(x.consumedGpuMs()));
            r.put("balanceGpuHours", GpuHours.of(x.balanceGpuMs()));
            Accounts.Cpu cpu = a.cpu(n);
            r.put("contributedCpuHours", GpuHours.of(cpu.contributedCpuMs()));
            r.put("consumedCpuHours", GpuHours.of(cpu.consumedCpuMs()));
            r.put("balanceCpuHours", GpuHours.of(cpu.balanceCpuMs()));
            r.put("shareOfPool", shares.getOrDefault(n, 0.0));
            r.put("receipts", x.receipts());
            Accounts.Checks checks = a.checks(n);
            r.put("awaitingVerificationGpuHours", GpuHours.of(checks.heldGpuMs()));
            r.put("withheldGpuHours", GpuHours.of(checks.withheldGpuMs()));
            r.put("withheldCpuHours", GpuHours.of(checks.withheldCpuMs()));
            if (fairness) {
              FairnessAudit.Nation f = fair.nations().get(n);
              r.put("fairness", f == null ? new FairnessAudit.Nation(0, 0, 0, 0) : f);
            }
            rows.put(n, r);
          });
      doc.put("nations", rows);
      List<Map<String, Object>> nodes = new ArrayList<>();
      v.tracks()
          .all()
          .forEach(
              (node, t) -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("node", node);
                r.put("agreeingRun", t.agreeingRun());
                r.put("agreed", t.agreedTotal());
                r.put("wrong", t.wrongTotal());
                r.put("quarantined", t.quarantined());
                r.put("quarantineReason", t.quarantine());
                nodes.add(r);
              });
      doc.put("verifiedNodes", nodes);
      doc.put(
          "refusedUpdates",
          v.refusedUpdates().stream()
              .map(
                  u ->
                      Map.of(
                          "job", u.getJobId(),
                          "round", u.getRound(),
                          "shard", u.getShard(),
                          "node", u.getNode(),
                          "rule", u.getRule(),
                          "reason", u.getReason()))
              .toList());
      doc.put("governance", governanceJson());
      doc.put(
          "problems",
          problems.stream()
              .map(p -> Map.of("entry", p.index(), "rule", p.rule(), "detail", p.detail()))
              .toList());
      Output.json(out, doc);
      return;
    }
    out.printf(
        "log %s: %d entries, root %s, cosigned by %s%n",
        body.getLogId(), body.getTreeSize(), rootHex.substring(0, 16), cp.cosigners());
    List<List<String>> rows = new ArrayList<>();
    nations.forEach(
        (n, x) ->
            rows.add(
                List.of(
                    n,
                    GpuHours.text(x.contributedGpuMs()),
                    GpuHours.text(x.consumedGpuMs()),
                    GpuHours.text(x.balanceGpuMs()),
                    GpuHours.text(a.cpu(n).contributedCpuMs()),
                    GpuHours.text(a.cpu(n).consumedCpuMs()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * shares.getOrDefault(n, 0.0)),
                    Long.toString(x.receipts()))));
    Output.table(
        out,
        List.of(
            "NATION",
            "CONTRIBUTED GPU-h",
            "CONSUMED GPU-h",
            "BALANCE GPU-h",
            "CONTRIBUTED CPU-h",
            "CONSUMED CPU-h",
            "SHARE",
            "RECEIPTS"),
        rows);
    if (fairness) {
      List<List<String>> f = new ArrayList<>();
      fair.nations()
          .forEach(
              (n, x) ->
                  f.add(
                      List.of(
                          n,
                          Long.toString(x.passes()),
                          Long.toString(x.placements()),
                          Long.toString(x.maxGpusHeld()),
                          Long.toString(x.ceilingExceeded()))));
      out.println();
      Output.table(
          out, List.of("NATION", "PASSES", "PLACEMENTS", "MAX GPUS HELD", "OVER CEILING"), f);
    }
    printVerification(out, v, a, nations.keySet());
    printGovernance(out);
    if (problems.isEmpty()) {
      out.printf("audit passed: %d receipts counted%n", v.receiptsCounted());
    } else {
      out.printf("AUDIT FAILED: %d problem(s)%n", problems.size());
      for (Problem p : problems.subList(0, Math.min(50, problems.size()))) {
        out.println("  " + p);
      }
    }
    out.flush();
  }

  /** Quarantined nodes with why, credit withheld from wrong runs, and refused training updates. */
  private static void printVerification(
      PrintWriter out, LogVerifier v, Accounts a, java.util.Set<String> nations) {
    List<List<String>> withheld = new ArrayList<>();
    for (String n : nations) {
      Accounts.Checks c = a.checks(n);
      if (c.heldGpuMs() + c.heldCpuMs() + c.withheldGpuMs() + c.withheldCpuMs() > 0) {
        withheld.add(
            List.of(
                n,
                GpuHours.text(c.heldGpuMs()) + " / " + GpuHours.text(c.heldCpuMs()),
                GpuHours.text(c.withheldGpuMs()) + " / " + GpuHours.text(c.withheldCpuMs())));
      }
    }
    if (!withheld.isEmpty()) {
      out.println();
      Output.table(
          out,
          List.of(
              "NATION", "AWAITING VERIFICATION GPU-h / CPU-h", "WITHHELD (WRONG) GPU-h / CPU-h"),
          withheld);
    }
    List<List<String>> quarantined = new ArrayList<>();
    v.tracks()
        .all()
        .forEach(
            (node, t) -> {
              if (t.quarantined()) {
                quarantined.add(List.of(node, Long.toString(t.wrongTotal()), t.quarantine()));
              }
            });
    if (!quarantined.isEmpty()) {
      out.println();
      Output.table(out, List.of("QUARANTINED NODE", "WRONG RESULTS", "WHY"), quarantined);
    }
    if (!v.refusedUpdates().isEmpty()) {
      List<List<String>> refused = new ArrayList<>();
      for (var u : v.refusedUpdates()) {
        refused.add(
            List.of(
                u.getJobId() + " round " + u.getRound(), u.getNode(), u.getRule(), u.getReason()));
      }
      out.println();
      Output.table(out, List.of("REFUSED UPDATE", "NODE", "RULE", "WHY"), refused);
    }
  }

  private Map<String, Object> governanceJson() {
    Map<String, Object> g = new LinkedHashMap<>();
    GovernedState s = v.governance().state();
    if (s == null) {
      return g;
    }
    g.put("sequence", s.getSequence());
    g.put("members", GovernedStates.members(s));
    g.put("threshold", s.getThreshold());
    g.put("required", GovernedStates.required(s));
    g.put("quarantined", s.getQuarantinedList());
    g.put("revoked", s.getRevokedList());
    g.put(
        "decided",
        v.governance().decided().stream()
            .map(
                d ->
                    Map.of(
                        "sequence", d.sequence(),
                        "proposal", d.id(),
                        "kind", Changes.kind(d.change()),
                        "summary", Changes.summary(d.change()),
                        "approvedBy", d.approvers()))
            .toList());
    return g;
  }

  /** The governed state the log gives, and every change with who approved it. */
  private void printGovernance(PrintWriter out) {
    GovernedState s = v.governance().state();
    if (s == null) {
      return;
    }
    out.println();
    out.printf(
        "governance: sequence %d, members %s, proposals need %d nation(s)%n",
        s.getSequence(), GovernedStates.members(s), GovernedStates.required(s));
    List<List<String>> rows = new ArrayList<>();
    for (var d : v.governance().decided()) {
      rows.add(
          List.of(
              Long.toString(d.sequence()),
              d.id(),
              Changes.summary(d.change()),
              String.join(", ", d.approvers())));
    }
    if (!rows.isEmpty()) {
      Output.table(out, List.of("SEQ", "PROPOSAL", "CHANGE", "APPROVED BY"), rows);
    }
  }
}
