package org.entente.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.entente.cli.config.CoordinatorConfig;
import org.entente.coordinator.Coordinator;
import org.entente.coordinator.CoordinatorSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente coordinator}: run one coordinator replica until stopped. */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    description = "Run this nation's coordinator replica (see README for coordinator.yaml).")
public final class CoordinatorCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "coordinator.yaml")
  Path config;

  /** A start-up failure as one line with the exit code it means. */
  static UserException startFailure(CoordinatorSettings settings, Exception e) {
    if (e instanceof java.security.cert.CertificateException) {
      return new UserException(ExitCodes.DENIED, e.getMessage());
    }
    if (e instanceof java.io.IOException) {
      return new UserException(
          ExitCodes.FAILURE,
          "cannot serve on "
              + settings.listenHost()
              + ":"
              + settings.listenPort()
              + ": "
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
    }
    if (e instanceof IllegalStateException) {
      return new UserException(ExitCodes.UNAVAILABLE, e.getMessage());
    }
    return new UserException(ExitCodes.FAILURE, "could not start: " + e);
  }

  @Override
  public Integer call() throws Exception {
    CoordinatorSettings settings = CoordinatorConfig.load(config);
    Coordinator coordinator = new Coordinator(settings, Clock.systemUTC());
    try {
      coordinator.start();
    } catch (Exception e) {
      coordinator.close();
      throw startFailure(settings, e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  coordinator.close();
                  stopped.countDown();
                },
                "entente-shutdown"));
    var w = spec.commandLine().getOut();
    w.printf(
        "coordinator %s serving at %s%s%s; Ctrl-C stops it%n",
        settings.keys().identity(),
        coordinator.address(),
        coordinator.metricsPort() > 0
            ? " (metrics on :" + coordinator.metricsPort() + "/metrics)"
            : "",
        settings.dashboard() == null
            ? ""
            : String.format(
                " (dashboard at %s://%s:%d/)",
                settings.dashboard().scheme(),
                settings.dashboard().host(),
                coordinator.dashboardPort()));
    w.flush();
    stopped.await();
    return ExitCodes.OK;
  }
}
