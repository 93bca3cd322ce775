package org.entente.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.entente.agent.AgentMetrics;
import org.entente.agent.CoordinatorServices;
import org.entente.agent.HostResourceProbe;
import org.entente.agent.NodeAgent;
import org.entente.agent.djl.DjlRunners;
import org.entente.cli.config.AgentConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code entente agent}: join this host to the federation until stopped. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "Run the node agent on a GPU host (see README for agent.yaml).")
public final class AgentCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "agent.yaml")
  Path config;

  @Override
  public Integer call() throws Exception {
    AgentConfig.Loaded loaded = AgentConfig.load(config);
    var scheduler = Executors.newScheduledThreadPool(2);
    NodeAgent agent =
        new NodeAgent(
            loaded.settings(),
            new HostResourceProbe(loaded.labels()),
            Clock.systemUTC(),
            new SplittableRandom(),
            scheduler,
            channel -> {
              try {
                return DjlRunners.registry(
                    new CoordinatorServices(
                        channel, loaded.workDir(), SSLContext.getDefault(), loaded.dataRoots()));
              } catch (IOException | NoSuchAlgorithmException e) {
                throw new UserException(
                    ExitCodes.INVALID,
                    "workDir " + loaded.workDir() + " cannot be used: " + e.getMessage());
              }
            });
    CountDownLatch stopped = new CountDownLatch(1);
    io.grpc.Status[] refusal = {null};
    agent.onStopped(
        st -> {
          refusal[0] = st;
          stopped.countDown();
        });
    AgentMetrics metrics = new AgentMetrics(agent, loaded.workDir().resolve("artifacts"));
    int metricsPort = -1;
    if (loaded.settings().metricsPort() >= 0) {
      try {
        metricsPort = metrics.serve(loaded.settings().metricsPort());
      } catch (IOException e) {
        throw new UserException(
            ExitCodes.UNAVAILABLE,
            "metrics.port " + loaded.settings().metricsPort() + ": cannot listen: " + e);
      }
    }
    agent.start();
    var r = agent.resources();
    var w = spec.commandLine().getOut();
    w.printf(
        "agent %s offers %d cores, %.1f GiB, %d GPU(s); joining via %s%n",
        agent.identity(),
        r.getCpuCores(),
        r.getMemoryBytes() / (double) (1L << 30),
        r.getGpusCount(),
        String.join(", ", loaded.settings().coordinators()));
    w.println(
        loaded.dataRoots().isEmpty()
            ? "file: artifacts are refused (no dataRoots in " + config + ")"
            : "file: artifacts may name files under "
                + loaded.dataRoots().stream()
                    .map(root -> root.path() + " (jobs of " + root.nationList() + ")")
                    .collect(Collectors.joining(", ")));
    if (metricsPort >= 0) {
      w.printf("metrics: /metrics on port %d, every interface%n", metricsPort);
    }
    w.flush();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  metrics.close();
                  scheduler.shutdownNow();
                  stopped.countDown();
                },
                "entente-shutdown"));
    stopped.await();
    if (refusal[0] != null) {
      agent.close();
      metrics.close();
      scheduler.shutdownNow();
      throw new UserException(
          org.entente.cli.client.StatusCodes.exitCode(refusal[0].getCode()),
          "the federation refused this node: "
              + refusal[0].getCode()
              + (refusal[0].getDescription() == null ? "" : ": " + refusal[0].getDescription()));
    }
    return ExitCodes.OK;
  }
}
