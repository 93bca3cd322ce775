package org.entente.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.cli.job.JobText;
import org.entente.proto.v1.GetQuotasRequest;
import org.entente.proto.v1.GetQuotasResponse;
import org.entente.proto.v1.NationQuota;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente quotas}: each nation's quota, usage and fair share. */
@Command(
    name = "quotas",
    mixinStandardHelpOptions = true,
    description =
        "Show each nation's quota (GPUs/CPUs/memory), borrowing and lending limits, usage,"
            + " fair-share weight and share.")
public final class QuotasCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    GetQuotasResponse r;
    try (FederationClient c = client.open()) {
      r = c.jobs(s -> s.getQuotas(GetQuotasRequest.getDefaultInstance()));
    }
    var w = spec.commandLine().getOut();
    if (json) {
      List<Map<String, Object>> nations = new ArrayList<>();
      for (NationQuota q : r.getNationsList()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nation", q.getNation());
        m.put("nominal", JobText.json(q.getNominal(), true));
        m.put("borrowingLimit", JobText.json(q.getBorrowingLimit(), q.hasBorrowingLimit()));
        m.put("lendingLimit", JobText.json(q.getLendingLimit(), q.hasLendingLimit()));
        m.put("usage", JobText.json(q.getUsage(), true));
        m.put("borrowed", JobText.json(q.getBorrowed(), true));
        m.put("contributed", JobText.json(q.getContributed(), true));
        m.put("weight", q.getWeight());
        m.put("dominantShare", q.getDominantShare());
        m.put("source", q.getSource());
        nations.add(m);
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("nations", nations);
      m.put("halfLifeMs", r.getHalfLifeMs());
      Output.json(w, m);
      return ExitCodes.OK;
    }
    List<List<String>> rows = new ArrayList<>();
    for (NationQuota q : r.getNationsList()) {
      rows.add(
          List.of(
              q.getNation(),
              JobText.amounts(q.getNominal(), true),
              JobText.amounts(q.getBorrowingLimit(), q.hasBorrowingLimit()),
              JobText.amounts(q.getLendingLimit(), q.hasLendingLimit()),
              JobText.amounts(q.getUsage(), true),
              JobText.amounts(q.getBorrowed(), true),
              String.format(Locale.ROOT, "%.2f", q.getWeight()),
              String.format(Locale.ROOT, "%.3f", q.getDominantShare()),
              q.getSource()));
    }
    Output.table(
        w,
        List.of(
            "NATION",
            "NOMINAL",
            "BORROW-LIMIT",
            "LEND-LIMIT",
            "USAGE",
            "BORROWED",
            "WEIGHT",
            "SHARE",
            "SOURCE"),
        rows);
    w.printf(
        "amounts are GPUs/CPUs/memory; usage decays with a half-life of %s%n",
        JobText.duration(r.getHalfLifeMs()));
    w.flush();
    return ExitCodes.OK;
  }
}
