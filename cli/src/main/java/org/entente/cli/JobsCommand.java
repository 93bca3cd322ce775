package org.entente.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.cli.job.JobText;
import org.entente.proto.v1.JobSummary;
import org.entente.proto.v1.ListJobsRequest;
import org.entente.proto.v1.ListJobsResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente jobs}: list jobs, newest first. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "List jobs, newest first: name, kind, nation, state, shards, priority, age.")
public final class JobsCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--nation",
      paramLabel = "NATION",
      description = "Only jobs charged to this nation.")
  String nation;

  @Option(
      names = "--state",
      paramLabel = "STATE",
      description = "Only jobs in this state: PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED.")
  String state;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most this many jobs, 1-1000 (default: 1000).")
  Integer limit;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    String wanted = state == null ? "" : state.toUpperCase(Locale.ROOT);
    if (!wanted.isEmpty() && !JobText.JOB_STATES.contains(wanted)) {
      throw new UserException(
          ExitCodes.INVALID,
          "--state: must be one of " + String.join(", ", JobText.JOB_STATES) + ", got " + state);
    }
    if (limit != null && (limit < 1 || limit > 1000)) {
      throw new UserException(ExitCodes.INVALID, "--limit: must be between 1 and 1000");
    }
    ListJobsResponse r;
    try (FederationClient c = client.open()) {
      r =
          c.jobs(
              s ->
                  s.listJobs(
                      ListJobsRequest.newBuilder()
                          .setNation(nation == null ? "" : nation)
                          .setState(wanted)
                          .setLimit(limit == null ? 0 : limit)
                          .build()));
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Output.json(w, Map.of("jobs", r.getJobsList().stream().map(JobText::json).toList()));
      return ExitCodes.OK;
    }
    long now = System.currentTimeMillis();
    List<List<String>> rows = new ArrayList<>();
    for (JobSummary j : r.getJobsList()) {
      rows.add(
          List.of(
              j.getJobId(),
              JobText.name(j),
              j.getKind(),
              j.getNation(),
              j.getState(),
              JobText.shards(j),
              Integer.toString(j.getPriority()),
              JobText.age(now, j.getSubmittedAtUnixMs())));
    }
    Output.table(
        w, List.of("ID", "NAME", "KIND", "NATION", "STATE", "SHARDS", "PRIORITY", "AGE"), rows);
    w.printf("%d job(s)%n", rows.size());
    w.flush();
    return ExitCodes.OK;
  }
}
