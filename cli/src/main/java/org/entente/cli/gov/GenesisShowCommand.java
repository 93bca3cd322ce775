package org.entente.cli.gov;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.job.JobText;
import org.entente.proto.v1.Genesis;
import org.entente.security.Identity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente gov genesis show}. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description =
        "Show a genesis: members and quotas, threshold, policy, who signed it, and whether it is"
            + " complete (every founding nation's operator signed, every signature holds)."
            + " Needs no network.")
public final class GenesisShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The genesis.")
  Path file;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() {
    GenesisFiles.Read g = GenesisFiles.read(file);
    Genesis b = g.body();
    String refusal = g.refusal();
    List<String> signers = new ArrayList<>();
    for (Identity i : g.signers()) {
      signers.add(i == null ? "(a certificate that does not decode)" : i.toUri());
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("federation", b.getFederation());
      m.put("createdAt", JobText.instant(b.getCreatedUnixMs()));
      m.put("members", b.getMembersList().stream().map(GovText::json).toList());
      m.put("threshold", b.getThreshold());
      m.put("thresholdText", GovText.threshold(b.getThreshold(), b.getMembersCount()));
      m.put("policy", GovText.json(b.getPolicy()));
      m.put("signedBy", signers);
      m.put("signedNations", g.signedNations());
      m.put("missingNations", g.missing());
      m.put("complete", refusal == null);
      m.put("refused", refusal);
      Output.json(w, m);
      return ExitCodes.OK;
    }
    w.printf("federation  %s%n", b.getFederation());
    w.printf("created     %s%n", JobText.instant(b.getCreatedUnixMs()));
    w.printf("members     %s%n", String.join(", ", g.nations()));
    w.printf("threshold   %s%n", GovText.threshold(b.getThreshold(), b.getMembersCount()));
    w.printf("policy      %s%n", GovText.policy(b.getPolicy()));
    w.printf("signed by   %s%n", GovText.list(signers));
    w.printf("missing     %s%n", GovText.list(g.missing()));
    w.println(
        refusal == null ? "complete: every founding nation signed" : "incomplete: " + refusal);
    w.println();
    List<List<String>> rows = new ArrayList<>();
    b.getMembersList().forEach(m -> rows.add(GovText.row(m)));
    Output.table(w, GovText.MEMBER_HEADER, rows);
    w.flush();
    return ExitCodes.OK;
  }
}
