package org.entente.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.cli.job.ArraySpec;
import org.entente.cli.job.JobSpecFile;
import org.entente.proto.v1.ArrayRange;
import org.entente.proto.v1.SubmitJobRequest;
import org.entente.proto.v1.SubmitJobResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente submit}: submit a job spec file, charged to your nation. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description =
        "Submit a job from a job spec file (operator certificate); prints the job id."
            + " The file is checked before anything is sent (see docs/jobs.md). With --array,"
            + " one job per index (as sbatch --array), each with the parameter array.index.")
public final class SubmitCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "JOB.YAML", description = "The job spec file.")
  Path file;

  @Option(
      names = "--nation",
      paramLabel = "NATION",
      description = "Nation the job is charged to (default: your certificate's nation).")
  String nation;

  @Option(
      names = "--array",
      paramLabel = "INDICES",
      description =
          "Submit a job array: one job per index, e.g. 0-4999 or 1,3,10-20:2 (at most 10000"
              + " jobs); each job's runner sees its index as the parameter array.index.")
  String array;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    JobSpecFile job = JobSpecFile.load(file);
    List<ArrayRange> ranges;
    try {
      ranges = array == null ? List.of() : ArraySpec.parse(array);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCodes.USAGE, e.getMessage());
    }
    SubmitJobResponse r;
    long count = ArraySpec.jobs(ranges);
    if (count >= 1000 && System.console() != null) {
      // Only on a terminal: scripts read stdout and expect stderr to stay empty on success.
      spec.commandLine().getErr().printf("entente: submitting an array of %d jobs%n", count);
      spec.commandLine().getErr().flush();
    }
    // The leader commits an array's jobs before it answers: give it time in proportion.
    try (FederationClient c = client.open(10_000 + 10 * count)) {
      // One id for every replica the client tries, so a retried submission is not a second job.
      SubmitJobRequest request =
          SubmitJobRequest.newBuilder()
              .setSpec(job.spec())
              .setNation(nation != null ? nation : client.identityNation())
              .setRequestId(UUID.randomUUID().toString())
              .addAllArray(ranges)
              .build();
      r = c.jobs(s -> s.submitJob(request));
    } catch (StatusRuntimeException e) {
      throw pointIntoFile(job, e);
    }
    var w = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("jobId", r.getJobId());
      m.put("duplicate", r.getDuplicate());
      if (r.getJobIdsCount() > 0) {
        List<Map<String, Object>> jobs = new ArrayList<>(r.getJobIdsCount());
        for (int i = 0; i < r.getJobIdsCount(); i++) {
          jobs.add(Map.of("index", r.getArrayIndices(i), "jobId", r.getJobIds(i)));
        }
        m.put("jobs", jobs);
      }
      Output.json(w, m);
    } else if (r.getJobIdsCount() > 0) {
      int n = r.getJobIdsCount();
      // One line, as sbatch prints one: the ids in full are what --json is for.
      w.printf(
          "%s .. %s: %d jobs, indices %s%s%n",
          r.getJobIds(0),
          r.getJobIds(n - 1),
          n,
          array,
          r.getDuplicate() ? " (submitted before)" : "");
      w.flush();
    } else {
      w.println(r.getJobId());
      w.flush();
    }
    return ExitCodes.OK;
  }

  /**
   * A rejection that names a field of the file is the file's fault: shown at the field's line and
   * reported as INVALID, whether the coordinator found the field malformed or impossible to place.
   */
  private static RuntimeException pointIntoFile(JobSpecFile job, StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION) {
      var located = job.locate(e.getStatus().getDescription());
      if (located.isPresent()) {
        return new UserException(ExitCodes.INVALID, located.get());
      }
    }
    return e;
  }
}
