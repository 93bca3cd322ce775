package org.entente.cli.demo;

import ch.qos.logback.classic.Level;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.entente.agent.NodeAgent;
import org.entente.cli.ExitCodes;
import org.entente.cli.Output;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.coordinator.Coordinator;
import org.entente.proto.v1.FederationStatus;
import org.entente.proto.v1.GetFederationRequest;
import org.entente.proto.v1.ListNodesRequest;
import org.entente.proto.v1.NodeStatus;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code entente demo}: the whole federation on this machine, until Ctrl-C or SIGTERM (see {@link
 * DemoStopper} for how it stops and with which exit status).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run a three-nation federation on this machine (embedded ZooKeeper, real mTLS on loopback) until Ctrl-C.")
public final class DemoCommand implements Callable<Integer> {
  private static final List<String> NATIONS = List.of("DE", "FR", "JP");

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = ".entente-demo",
      description =
          "Working directory for ZooKeeper data and identities (default: ${DEFAULT-VALUE}); emptied at start.")
  Path dir;

  @Option(
      names = "--agents-per-nation",
      defaultValue = "2",
      description = "Node agents per nation (default: ${DEFAULT-VALUE}).")
  int agentsPerNation;

  @Option(names = "--verbose", description = "Show the coordinators' and agents' logs.")
  boolean verbose;

  private long started;
  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    if (agentsPerNation < 1 || agentsPerNation > 50) {
      throw new UserException(ExitCodes.INVALID, "--agents-per-nation: between 1 and 50");
    }
    if (!verbose) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.entente")).setLevel(Level.WARN);
    }
    PrintWriter console = spec.commandLine().getOut();
    DemoStopper stopper =
        new DemoStopper(
            console,
            () -> {
              if (!verbose) {
                ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.entente"))
                    .setLevel(Level.OFF);
                ((ch.qos.logback.classic.Logger)
                        LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                    .setLevel(Level.OFF);
              }
            });
    out = stopper.demoOut();
    started = System.nanoTime();
    out.println(
        "Entente demo: nations "
            + String.join(", ", NATIONS)
            + ", one coordinator replica and "
            + agentsPerNation
            + " node agents each, all over mutual TLS 1.3 on loopback.");
    wipe(dir);
    Thread hook = new Thread(stopper::stop, "entente-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      run(stopper);
    } catch (Exception | Error e) {
      if (stopper.isStopping()) {
        // A signal stopped the federation under the demo's feet; the hook reports it.
        stopper.awaitStopped();
        return ExitCodes.OK;
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      stopper.closeAll();
      throw e;
    }
    stopper.awaitStopped();
    return ExitCodes.OK;
  }

  /** Starts the federation, runs the demo's workloads and audit, then prints how to use it. */
  private void run(DemoStopper stopper) throws Exception {
    EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
    if (!stopper.started(zk)) {
      return;
    }
    step("ZooKeeper (embedded, standalone) at " + zk.connectString());
    LocalFederation federation =
        LocalFederation.start(
            NATIONS,
            agentsPerNation,
            zk.connectString(),
            "/entente",
            Duration.ofSeconds(10),
            dir.resolve("nations"),
            this::step);
    if (!stopper.started(federation)) {
      return;
    }
    federation.writeIdentities(dir.resolve("identities"));
    awaitUp(federation);
    printFederation(federation);
    List<String> ran = List.of();
    try (FederationClient c =
        new FederationClient(
            federation.operator("DE"), federation.bundle(), federation.addresses(), 10_000)) {
      ran = new DemoWorkloads(c, out, NATIONS).run(dir.resolve("data"), 300_000);
      step("Auditing the contribution ledger: each nation's auditor verifies it alone");
      DemoAudit.awaitCosigned(c, 30_000);
      new DemoAudit(out)
          .run(
              NATIONS,
              dir.resolve("identities"),
              dir.resolve("audit"),
              String.join(",", federation.addresses()));
    } catch (io.grpc.StatusRuntimeException e) {
      if (stopper.isStopping()) {
        throw e;
      }
      out.println("The demo jobs could not run: " + e.getStatus().getDescription());
    }
    String coordinators = String.join(",", federation.addresses());
    Path identity = dir.resolve("identities").resolve("de-operator");
    out.println();
    String as = " --coordinator " + coordinators + " --identity " + identity;
    out.println("Run the demo's jobs again, or your own, as the DE operator:");
    out.println("  ./entente submit " + dir.resolve("jobs").resolve("fedavg.yaml") + as);
    out.println("  ./entente jobs" + as);
    out.println(
        "  ./entente ledger audit --coordinator "
            + coordinators
            + " --identity "
            + dir.resolve("identities").resolve("fr-auditor")
            + "   # as FR's auditor");
    if (!ran.isEmpty()) {
      out.println("  ./entente job " + ran.get(0) + as + "        # rounds, loss, model");
      out.println(
          "  ./entente job "
              + ran.get(ran.size() - 1)
              + " --output "
              + dir.resolve("out")
              + as
              + "   # verified outputs");
    }
    out.println();
    out.println(READY);
    out.flush();
  }

  /** The demo's last line once the federation is up and its workloads ran. */
  static final String READY = "Press Ctrl-C to stop.";

  private void awaitUp(LocalFederation federation) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Set<String> reported = new HashSet<>();
    boolean leaderShown = false;
    while (System.nanoTime() < deadline) {
      if (!leaderShown) {
        for (Coordinator c : federation.coordinators().values()) {
          if (c.isLeader()) {
            step(
                "leader elected: "
                    + c.participantId().replaceAll("@.*", "")
                    + " (fencing epoch "
                    + c.fence().get().epoch()
                    + ")");
            leaderShown = true;
          }
        }
      }
      for (NodeAgent a : federation.agents()) {
        if (a.isRegistered() && reported.add(a.identity().toString())) {
          var r = a.resources();
          step(
              String.format(
                  "node %s/%s joined via %s: %d cores, %.1f GiB, %d GPU(s)",
                  a.identity().nation(),
                  a.identity().name(),
                  a.replica().replaceAll("@.*", ""),
                  r.getCpuCores(),
                  r.getMemoryBytes() / (double) (1L << 30),
                  r.getGpusCount()));
        }
      }
      if (leaderShown && reported.size() == federation.agents().size()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new UserException(
        ExitCodes.FAILURE,
        "the federation did not come up within 60 s; rerun with --verbose to see why");
  }

  private void printFederation(LocalFederation federation) {
    String coordinators = String.join(",", federation.addresses());
    Path identity = dir.resolve("identities").resolve("de-operator");
    try (FederationClient c =
        new FederationClient(
            federation.operator("DE"), federation.bundle(), federation.addresses(), 10_000)) {
      FederationStatus f = c.call(s -> s.getFederation(GetFederationRequest.getDefaultInstance()));
      List<NodeStatus> nodes =
          c.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
      out.printf(
          "%nFederation ready in %.1f s: nations %s, leader %s (epoch %d), %d nodes.%n%n",
          seconds(),
          String.join(", ", f.getNationsList()),
          f.getLeader(),
          f.getEpoch(),
          nodes.size());
      List<List<String>> rows = new ArrayList<>();
      for (NodeStatus n : nodes) {
        rows.add(
            List.of(
                n.getNation(),
                n.getName(),
                n.getState(),
                Integer.toString(n.getResources().getGpusCount()),
                Integer.toString(n.getResources().getCpuCores()),
                Output.gib(n.getResources().getMemoryBytes()),
                n.getReplica().replaceAll("@.*", "")));
      }
      Output.table(
          out, List.of("NATION", "NODE", "STATE", "GPUS", "CPUS", "MEMORY", "REPLICA"), rows);
    }
    out.println();
    out.println("In another terminal, look at it as the DE operator:");
    out.println("  ./entente nodes --coordinator " + coordinators + " --identity " + identity);
    out.println("  ./entente federation --coordinator " + coordinators + " --identity " + identity);
    out.flush();
  }

  private void step(String what) {
    out.printf("[%5.1fs] %s%n", seconds(), what);
    out.flush();
  }

  private double seconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  /** Marks a directory as the demo's own, so that only such a directory is ever emptied. */
  static final String MARKER = ".entente-demo-dir";

  /**
   * Empties {@code dir} for a new run. The marker is made first and deleted never, so that however
   * a run ends (a signal, a crash), a directory holding anything of the demo's holds the marker and
   * the next run may empty it.
   */
  private static void wipe(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      boolean empty;
      try (Stream<Path> entries = Files.list(dir)) {
        empty = entries.findAny().isEmpty();
      }
      if (!empty && !Files.exists(dir.resolve(MARKER))) {
        throw new UserException(
            ExitCodes.INVALID,
            "--dir "
                + dir
                + " is not empty and was not made by the demo; refusing to empty it (choose a new"
                + " directory)");
      }
    }
    Files.createDirectories(dir);
    Path marker = dir.resolve(MARKER);
    if (!Files.exists(marker)) {
      Files.createFile(marker);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir) && !p.equals(marker)) {
          Files.delete(p);
        }
      }
    }
  }
}
