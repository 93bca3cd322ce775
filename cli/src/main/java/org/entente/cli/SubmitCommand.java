package org.entente.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.cli.job.JobSpecFile;
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
            + " The file is checked before anything is sent (see docs/jobs.md).")
public final class SubmitCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "JOB.YAML", description = "The job spec file.")
  Path file;

  @Option(
      names = "--nation",
      paramLabel = "NATION",
      description = "Nation the job is charged to (default: your certificate's nation).")
  String nation;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    JobSpecFile job = JobSpecFile.load(file);
    SubmitJobResponse r;
    try (FederationClient c = client.open()) {
      // One id for every replica the client tries, so a retried submission is not a second job.
      SubmitJobRequest request =
          SubmitJobRequest.newBuilder()
              .setSpec(job.spec())
              .setNation(nation != null ? nation : client.identityNation())
              .setRequestId(UUID.randomUUID().toString())
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
      Output.json(w, m);
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
