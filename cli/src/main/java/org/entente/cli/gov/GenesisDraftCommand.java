package org.entente.cli.gov;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Amounts;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.GovernedQuota;
import org.entente.proto.v1.Member;
import org.entente.security.governance.Documents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente gov genesis draft}: the founding document, unsigned. */
@Command(
    name = "draft",
    mixinStandardHelpOptions = true,
    description =
        "Write an unsigned genesis: the founding members with their roots and quotas, the"
            + " approval threshold and the scheduler policy. Each founding nation's operator then"
            + " signs the same file with 'entente gov genesis sign FILE'. Needs no network.")
public final class GenesisDraftCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--federation",
      required = true,
      paramLabel = "NAME",
      description = "A name for the federation, for people.")
  String federation;

  @Option(
      names = "--member",
      required = true,
      paramLabel = "NATION=ROOT.pem",
      description = "A founding nation and its root CA certificate; repeat for each.")
  List<String> members;

  @Option(
      names = "--quota",
      paramLabel = "NATION=GPUS,CPUS,MEMORY",
      description =
          "A founding nation's nominal quota, e.g. DE=8,128,512Gi (no borrowing or lending"
              + " limit); repeat for each. Left out: the nation has no governed quota.")
  List<String> quotas;

  @Option(
      names = "--threshold",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Approvals from distinct member nations a proposal needs; 0 = a strict majority"
              + " (default: ${DEFAULT-VALUE}).")
  int threshold;

  @Mixin PolicyOptions policy;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "Where to write the genesis (e.g. genesis.pb); must not exist.")
  Path out;

  @Override
  public Integer call() {
    if (Files.exists(out)) {
      throw new UserException(ExitCodes.INVALID, out + " already exists; choose another --out");
    }
    Map<String, Member> byNation = new TreeMap<>();
    for (String m : members) {
      String[] kv = pair("--member", m, "NATION=ROOT.pem");
      String nation = GovText.nation("--member " + m, kv[0]);
      Member member = AdmitNationCommand.member("--member", Path.of(kv[1]));
      if (!member.getNation().equals(nation)) {
        throw new UserException(
            ExitCodes.INVALID,
            "--member " + m + ": " + kv[1] + " is the root of " + member.getNation());
      }
      if (byNation.put(nation, member) != null) {
        throw new UserException(ExitCodes.INVALID, "--member: " + nation + " is named twice");
      }
    }
    for (String q : quotas == null ? List.<String>of() : quotas) {
      String[] kv = pair("--quota", q, "NATION=GPUS,CPUS,MEMORY");
      Member m = byNation.get(kv[0]);
      if (m == null) {
        throw new UserException(
            ExitCodes.INVALID, "--quota " + q + ": " + kv[0] + " is not named by --member");
      }
      if (m.hasQuota()) {
        throw new UserException(ExitCodes.INVALID, "--quota: " + kv[0] + " is given twice");
      }
      byNation.put(kv[0], m.toBuilder().setQuota(quota(q, kv[1])).build());
    }
    if (threshold < 0 || threshold > byNation.size()) {
      throw new UserException(
          ExitCodes.INVALID,
          "--threshold: must be 0 (strict majority) to " + byNation.size() + ", got " + threshold);
    }
    Genesis g =
        Genesis.newBuilder()
            .setVersion(1)
            .setFederation(federation)
            .addAllMembers(byNation.values())
            .setThreshold(threshold)
            .setPolicy(policy.policy())
            .setCreatedUnixMs(System.currentTimeMillis())
            .build();
    GenesisFiles.write(out, Documents.unsigned(g));
    var w = spec.commandLine().getOut();
    w.printf(
        "wrote the unsigned genesis of %s to %s: members %s, threshold %s%n",
        federation,
        out,
        String.join(", ", byNation.keySet()),
        GovText.threshold(threshold, byNation.size()));
    w.printf(
        "an operator of each of %s signs it with: entente gov genesis sign %s%n",
        String.join(", ", byNation.keySet()), out);
    w.flush();
    return ExitCodes.OK;
  }

  private static String[] pair(String option, String text, String form) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      throw new UserException(
          ExitCodes.INVALID, option + ": expected " + form + ", got '" + text + "'");
    }
    return new String[] {text.substring(0, eq), text.substring(eq + 1)};
  }

  private static GovernedQuota quota(String option, String text) {
    String[] parts = text.split(",", -1);
    if (parts.length != 3) {
      throw new UserException(
          ExitCodes.INVALID,
          "--quota " + option + ": expected GPUS,CPUS,MEMORY such as 8,128,512Gi");
    }
    String what = "--quota " + option;
    return GovernedQuota.newBuilder()
        .setNominal(
            Amounts.newBuilder()
                .setGpus(GovText.whole(what + " GPUS", parts[0], 0))
                .setCpus(GovText.whole(what + " CPUS", parts[1], 0))
                .setMemoryBytes(GovText.bytes(what + " MEMORY", parts[2])))
        .build();
  }
}
