package org.entente.cli.demo;

import io.grpc.Channel;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.entente.agent.AgentSettings;
import org.entente.agent.CoordinatorServices;
import org.entente.agent.HostResourceProbe;
import org.entente.agent.NodeAgent;
import org.entente.agent.artifacts.DataRoot;
import org.entente.agent.djl.DjlRunners;
import org.entente.agent.shards.RunnerRegistry;
import org.entente.cli.client.IdentityDir;
import org.entente.coordinator.Coordinator;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.TrustBundle;

/**
 * A whole federation in one JVM: a PKI per nation, one coordinator replica per nation and some
 * agents per nation, all real mTLS peers on loopback against one ZooKeeper. Used by {@code entente
 * demo} and by tests. Not thread-safe.
 */
public final class LocalFederation implements Closeable {
  private final LocalPki pki;
  private final Map<String, Coordinator> coordinators = new LinkedHashMap<>();
  private final Map<String, KeyMaterial> operators = new LinkedHashMap<>();
  private final Map<String, KeyMaterial> auditors = new LinkedHashMap<>();
  private final List<NodeAgent> agents = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  private LocalFederation(LocalPki pki) {
    this.pki = pki;
  }

  /**
   * Starts the federation.
   *
   * @param progress told about each step as it completes
   */
  public static LocalFederation start(
      List<String> nations,
      int agentsPerNation,
      String zkConnect,
      String chroot,
      Duration sessionTimeout,
      Consumer<String> progress)
      throws Exception {
    return start(
        nations,
        agentsPerNation,
        zkConnect,
        chroot,
        sessionTimeout,
        Files.createTempDirectory("entente-federation").resolve("nations"),
        progress);
  }

  /**
   * Starts the federation, keeping each replica's artifact store and each agent's work directory
   * (artifact cache) under {@code workDir}. Agents read {@code file:} artifacts of every nation's
   * jobs from anywhere under {@code workDir}'s parent (the demo's data is beside it).
   *
   * @param progress told about each step as it completes
   */
  public static LocalFederation start(
      List<String> nations,
      int agentsPerNation,
      String zkConnect,
      String chroot,
      Duration sessionTimeout,
      Path workDir,
      Consumer<String> progress)
      throws Exception {
    return start(
        nations, agentsPerNation, zkConnect, chroot, sessionTimeout, workDir, DJL, progress);
  }

  /**
   * How agents get their runners: from their work directory, the directories they may read {@code
   * file:} artifacts from, and their coordinator channel.
   */
  public interface Runners {
    Function<Supplier<Channel>, RunnerRegistry> forAgent(Path agentDir, List<DataRoot> dataRoots);
  }

  /** DJL runners, with each agent's artifact cache under its own directory. */
  public static final Runners DJL = LocalFederation::runners;

  /** The placeholder workload (sleeps for parameters.duration), for tests of job handling. */
  public static final Runners PLACEHOLDERS =
      (agentDir, dataRoots) -> channel -> RunnerRegistry.placeholders();

  /** Like the other overloads, with the agents' runners chosen by {@code runners}. */
  public static LocalFederation start(
      List<String> nations,
      int agentsPerNation,
      String zkConnect,
      String chroot,
      Duration sessionTimeout,
      Path workDir,
      Runners runners,
      Consumer<String> progress)
      throws Exception {
    LocalPki pki = LocalPki.create(Clock.systemUTC(), nations.toArray(String[]::new));
    LocalFederation f = new LocalFederation(pki);
    try {
      for (String n : nations) {
        f.auditors.put(
            n,
            pki.issue(
                new Identity(n, Role.AUDITOR, n.toLowerCase(java.util.Locale.ROOT) + "-audit")));
        f.operators.put(
            n,
            pki.issue(
                new Identity(n, Role.OPERATOR, n.toLowerCase(java.util.Locale.ROOT) + "-ops")));
      }
      progress.accept(
          "PKI: root CAs for "
              + String.join(", ", nations)
              + "; coordinator, operator and node certificates issued from CSRs");
      // Every founding nation's operator signs the genesis: its members, quotas and threshold.
      org.entente.proto.v1.SignedGenesis genesis =
          org.entente.coordinator.governance.Founding.signed(
              org.entente.coordinator.governance.Founding.draft(
                  "entente-demo",
                  pki.bundle(),
                  org.entente.coordinator.SchedulingSettings.defaults(),
                  0,
                  System.currentTimeMillis()),
              f.operators.values());
      progress.accept(
          "genesis signed by the operators of "
              + String.join(", ", nations)
              + "; proposals need a strict majority of nations");
      for (String n : nations) {
        KeyMaterial keys = pki.issue(new Identity(n, Role.COORDINATOR, "coordinator"), "127.0.0.1");
        CoordinatorSettings s =
            CoordinatorSettings.defaults(keys, pki.bundle(), "127.0.0.1", 0, zkConnect, chroot)
                .withSessionTimeout(sessionTimeout)
                .toBuilder()
                .artifactDir(workDir.resolve(n).resolve("coordinator").resolve("artifacts"))
                .genesis(genesis)
                .dashboard(org.entente.coordinator.dashboard.DashboardSettings.loopback(0))
                .build();
        Coordinator c = new Coordinator(s, Clock.systemUTC());
        f.coordinators.put(n, c);
        c.start();
        progress.accept(
            "coordinator "
                + n
                + "/coordinator serving at "
                + c.address()
                + "; dashboard at "
                + f.dashboardUrl(n));
      }
      List<String> addresses = f.addresses();
      List<DataRoot> dataRoots =
          List.of(
              new DataRoot(workDir.toAbsolutePath().normalize().getParent(), Set.copyOf(nations)));
      for (String n : nations) {
        // Each agent lists its own nation's replica first, then the others.
        List<String> order = new ArrayList<>();
        order.add(f.coordinators.get(n).address());
        addresses.stream().filter(a -> !order.contains(a)).forEach(order::add);
        for (int i = 1; i <= agentsPerNation; i++) {
          String name = String.format("gpu-%02d", i);
          KeyMaterial keys = pki.issue(new Identity(n, Role.NODE, name));
          NodeAgent a =
              new NodeAgent(
                  new AgentSettings(
                      keys,
                      pki.bundle(),
                      order,
                      new org.entente.agent.Backoff(Duration.ofMillis(200), Duration.ofSeconds(3)),
                      Duration.ofSeconds(10)),
                  new HostResourceProbe(
                      Map.of("nation", n.toLowerCase(java.util.Locale.ROOT), "demo", "true")),
                  Clock.systemUTC(),
                  new SplittableRandom(n.hashCode() * 31L + i),
                  f.scheduler,
                  runners.forAgent(workDir.resolve(n).resolve(name), dataRoots));
          f.agents.add(a);
          a.start();
        }
      }
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  /** DJL runners whose artifacts are cached under {@code agentDir}. */
  private static Function<Supplier<Channel>, RunnerRegistry> runners(
      Path agentDir, List<DataRoot> dataRoots) {
    return channel -> {
      try {
        return DjlRunners.registry(
            new CoordinatorServices(channel, agentDir, SSLContext.getDefault(), dataRoots));
      } catch (IOException | NoSuchAlgorithmException e) {
        throw new IllegalStateException("cannot prepare " + agentDir + ": " + e.getMessage(), e);
      }
    };
  }

  /** The web dashboard of {@code nation}'s replica, served on loopback. */
  public String dashboardUrl(String nation) {
    return "http://127.0.0.1:" + coordinators.get(nation).dashboardPort() + "/";
  }

  /** Every replica's address, in nation order. */
  public List<String> addresses() {
    return coordinators.values().stream().map(Coordinator::address).toList();
  }

  public Map<String, Coordinator> coordinators() {
    return coordinators;
  }

  public List<NodeAgent> agents() {
    return agents;
  }

  public KeyMaterial operator(String nation) {
    return operators.get(nation);
  }

  public TrustBundle bundle() {
    return pki.bundle();
  }

  public LocalPki pki() {
    return pki;
  }

  /** Writes each nation's operator identity directory and CA certificate under {@code dir}. */
  public void writeIdentities(Path dir) throws IOException {
    for (Map.Entry<String, KeyMaterial> e : operators.entrySet()) {
      IdentityDir.write(
          dir.resolve(e.getKey().toLowerCase(java.util.Locale.ROOT) + "-operator"),
          e.getValue(),
          pki.bundle());
    }
    for (Map.Entry<String, KeyMaterial> e : auditors.entrySet()) {
      IdentityDir.write(
          dir.resolve(e.getKey().toLowerCase(java.util.Locale.ROOT) + "-auditor"),
          e.getValue(),
          pki.bundle());
    }
  }

  @Override
  public void close() {
    for (NodeAgent a : agents) {
      a.close();
    }
    scheduler.shutdownNow();
    for (Coordinator c : coordinators.values()) {
      c.close();
    }
  }
}
