package org.entente.cli;

import java.util.concurrent.Callable;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.CancelJobRequest;
import org.entente.proto.v1.CancelJobResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code entente cancel}: stop a job of your nation. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description =
        "Cancel a job of your own nation (operator certificate); prints the job's new state.")
public final class CancelCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "JOB-ID", description = "As printed by submit or jobs.")
  String jobId;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "Recorded with the job and shown by job and jobs.")
  String reason;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    CancelJobResponse r;
    try (FederationClient c = client.open()) {
      r =
          c.jobs(
              s ->
                  s.cancelJob(
                      CancelJobRequest.newBuilder().setJobId(jobId).setReason(reason).build()));
    }
    spec.commandLine().getOut().printf("%s is %s%n", jobId, r.getJob().getState());
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
