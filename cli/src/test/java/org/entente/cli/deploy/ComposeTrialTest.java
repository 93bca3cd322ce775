package org.entente.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.entente.agent.AgentSettings;
import org.entente.agent.artifacts.DataRoot;
import org.entente.cli.client.IdentityDir;
import org.entente.cli.config.AgentConfig;
import org.entente.cli.config.CoordinatorConfig;
import org.entente.cli.job.JobSpecFile;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.coordinator.zk.CoordinatorAuthProvider;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.JobSpec;
import org.entente.security.Identity;
import org.entente.security.IdentityCertificates;
import org.entente.security.KeyMaterial;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Docker Compose trial in {@code deploy/compose}, without Docker (no engine runs here): {@code
 * prepare} runs for real into a temporary directory, with the distribution's {@code bin/entente}
 * standing in as a launcher of this build's own classes (the cli module builds before dist, so the
 * test cannot rely on {@code dist/target}); then every service of {@code docker-compose.yml}
 * (parsed with SnakeYAML, which resolves its {@code <<} merge keys) is checked against what prepare
 * wrote: each bind mount exists and is read-only, each rendered config loads with Entente's own
 * config classes once its container paths are mapped back through the service's mounts, the
 * replicas name the three ZooKeeper services, the agents their own nation's replica, only 127.0.0.1
 * ports are published, and the images' entrypoints exist in the distribution.
 */
class ComposeTrialTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path COMPOSE = ROOT.resolve("deploy/compose");
  static final List<String> NATIONS = List.of("DE", "FR", "JP");
  static final String GENERATED = "./generated/";
  static final String DIST = "/opt/entente/";
  static final String ZOOKEEPER_ENTRYPOINT = DIST + "bin/entente-zookeeper";
  static final Pattern PUBLISHED = Pattern.compile("127\\.0\\.0\\.1:(\\d+):(\\d+)");
  static final Pattern QUOTED_ABSOLUTE_PATH = Pattern.compile("\"(/[^\"]*)\"");

  @TempDir static Path dir;
  static Path generated;
  static Map<String, Object> compose;
  static Map<String, Map<String, Object>> services;

  @BeforeAll
  static void prepare() throws Exception {
    Path home = fakeDistribution(dir.resolve("home"));
    generated = dir.resolve("generated");
    ProcessBuilder pb =
        new ProcessBuilder(COMPOSE.resolve("prepare").toString(), generated.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prepare.log").toFile());
    pb.environment().put("ENTENTE_HOME", home.toString());
    pb.environment()
        .put(
            "ENTENTE_TEST_JAVA",
            Path.of(System.getProperty("java.home"), "bin", "java").toString());
    pb.environment().put("ENTENTE_TEST_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().remove("JAVA_OPTS");
    Process p = pb.start();
    p.getOutputStream().close();
    boolean done = p.waitFor(10, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String log = Files.readString(dir.resolve("prepare.log"));
    assertThat(done).as("prepare finished in time:%n%s", log).isTrue();
    assertThat(p.exitValue()).as("prepare:%n%s", log).isZero();
    try (Reader r = Files.newBufferedReader(COMPOSE.resolve("docker-compose.yml"))) {
      compose = new Yaml().load(r);
    }
    services = new TreeMap<>();
    for (Map.Entry<String, Object> e : map(compose.get("services")).entrySet()) {
      services.put(e.getKey(), map(e.getValue()));
    }
  }

  /**
   * A distribution whose {@code bin/entente} runs this build's {@code org.entente.cli.Main} (the
   * same class the real launcher runs) with the test's class path.
   */
  private static Path fakeDistribution(Path home) throws IOException {
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path launcher =
        Files.writeString(
            bin.resolve("entente"),
            "#!/usr/bin/env bash\n"
                + "# shellcheck disable=SC2086\n"
                + "exec \"$ENTENTE_TEST_JAVA\" ${JAVA_OPTS:-} -cp \"$ENTENTE_TEST_CLASSPATH\""
                + " org.entente.cli.Main \"$@\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  // ---- the services and their mounts ----

  record Mount(String source, String target, boolean readOnly) {
    boolean bind() {
      return source.startsWith(".") || source.startsWith("/");
    }
  }

  private static List<Mount> mounts(String service) {
    List<Mount> mounts = new ArrayList<>();
    for (Object v : list(services.get(service).get("volumes"))) {
      assertThat(v).as("%s: volumes in the short syntax", service).isInstanceOf(String.class);
      String[] parts = ((String) v).split(":");
      assertThat(parts.length).as("%s: %s", service, v).isBetween(2, 3);
      mounts.add(new Mount(parts[0], parts[1], parts.length == 3 && parts[2].equals("ro")));
    }
    return mounts;
  }

  /** Where {@code containerPath} of {@code service} is on this machine, through its mounts. */
  private static Path onHost(String service, String containerPath) throws IOException {
    Mount best = null;
    for (Mount m : mounts(service)) {
      boolean covers =
          containerPath.equals(m.target()) || containerPath.startsWith(m.target() + "/");
      if (covers && (best == null || m.target().length() > best.target().length())) {
        best = m;
      }
    }
    assertThat(best).as("%s mounts something at %s", service, containerPath).isNotNull();
    String rest = containerPath.substring(best.target().length()).replaceFirst("^/", "");
    Path base;
    if (best.bind()) {
      base = bindSource(best);
    } else {
      // A named volume: an empty directory of its own, as a new volume starts.
      base = Files.createDirectories(dir.resolve("volumes").resolve(service + "-" + best.source()));
    }
    return rest.isEmpty() ? base : base.resolve(rest);
  }

  private static Path bindSource(Mount m) {
    assertThat(m.source()).as("bind mounts come from %s", GENERATED).startsWith(GENERATED);
    return generated.resolve(m.source().substring(GENERATED.length()));
  }

  /**
   * A config file of {@code service} (a container path), copied with every quoted absolute path
   * that a mount of the service covers replaced by where that is on this machine. Paths no mount
   * covers (such as the ZooKeeper chroot) stay as they are.
   */
  private static Path configOnHost(String service, String containerPath) throws IOException {
    Path source = onHost(service, containerPath);
    assertThat(source).as("%s: %s", service, containerPath).isRegularFile();
    Matcher m = QUOTED_ABSOLUTE_PATH.matcher(Files.readString(source));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String path = m.group(1);
      boolean mounted =
          mounts(service).stream()
              .anyMatch(x -> path.equals(x.target()) || path.startsWith(x.target() + "/"));
      m.appendReplacement(out, "");
      out.append('"').append(mounted ? onHost(service, path).toString() : path).append('"');
    }
    m.appendTail(out);
    Path copy =
        Files.createDirectories(dir.resolve("configs").resolve(service))
            .resolve(source.getFileName());
    return Files.writeString(copy, out.toString());
  }

  private static Set<String> servicesNamed(String prefix) {
    return services.keySet().stream()
        .filter(s -> s.startsWith(prefix))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** DE for zk-de, coordinator-de, agent-de-2, cli-de. */
  private static String nationOf(String service) {
    return service.split("-")[1].toUpperCase(java.util.Locale.ROOT);
  }

  private static List<String> command(String service) {
    return list(services.get(service).get("command")).stream().map(String::valueOf).toList();
  }

  private static Map<String, String> environment(String service) {
    Map<String, String> env = new LinkedHashMap<>();
    map(services.get(service).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
    return env;
  }

  /** The config file a service's command names with --config. */
  private static String configArgument(String service, String subcommand) {
    List<String> c = command(service);
    assertThat(c).as("%s: command", service).hasSize(3);
    assertThat(c.get(0)).isEqualTo(subcommand);
    assertThat(c.get(1)).isEqualTo("--config");
    return c.get(2);
  }

  private static Properties zooCfg(String service) throws IOException {
    List<String> c = command(service);
    assertThat(c).as("%s: command is zoo.cfg", service).hasSize(1);
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(onHost(service, c.get(0)))) {
      p.load(r);
    }
    return p;
  }

  // ---- the tests ----

  @Test
  void services_areTheTrialsThreeNations() {
    Set<String> expected = new TreeSet<>();
    for (String n : NATIONS) {
      String l = n.toLowerCase(java.util.Locale.ROOT);
      expected.addAll(
          List.of("zk-" + l, "coordinator-" + l, "agent-" + l + "-1", "agent-" + l + "-2"));
      expected.add("cli-" + l);
    }
    assertThat(services.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    for (String s : servicesNamed("cli-")) {
      assertThat(list(services.get(s).get("profiles")))
          .as("%s is not started by up", s)
          .containsExactly("cli");
    }
  }

  @Test
  void everyBindMount_isReadOnly_fromItsOwnNation_andExistsAfterPrepare() throws IOException {
    for (String s : services.keySet()) {
      String own = GENERATED + nationOf(s).toLowerCase(java.util.Locale.ROOT) + "/";
      List<Mount> binds = mounts(s).stream().filter(Mount::bind).toList();
      assertThat(binds).as("%s mounts files", s).isNotEmpty();
      for (Mount m : binds) {
        assertThat(m.readOnly()).as("%s: %s is read-only", s, m).isTrue();
        if (!(s.startsWith("cli-") && m.source().equals(GENERATED + "jobs"))) {
          assertThat(m.source()).as("%s mounts only its own nation's files", s).startsWith(own);
        }
        Path source = bindSource(m);
        assertThat(source).as("%s: %s exists after prepare", s, m.source()).exists();
        try (var files = Files.walk(source)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            assertThat(Files.getPosixFilePermissions(f))
                .as("%s is readable by the containers' user", f)
                .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
          }
        }
      }
    }
  }

  @Test
  void namedVolumes_areDeclared_andOwnedByTheImagesUser() throws IOException {
    Set<String> declared = map(compose.get("volumes")).keySet();
    String dockerfile = Files.readString(COMPOSE.resolve("Dockerfile"));
    Matcher owned =
        Pattern.compile("install -d -o 10001 -g 10001 -m \\d+((?:\\s*\\\\?\\s*/[\\w/.-]+)+)")
            .matcher(dockerfile);
    assertThat(owned.find()).as("the Dockerfile makes the state directories").isTrue();
    Set<String> directories = Set.of(owned.group(1).replace("\\", " ").trim().split("\\s+"));
    Set<String> used = new TreeSet<>();
    for (String s : services.keySet()) {
      for (Mount m : mounts(s)) {
        if (!m.bind()) {
          used.add(m.source());
          assertThat(m.readOnly()).as("%s: %s is writable", s, m).isFalse();
          assertThat(directories)
              .as("%s: the image makes %s for user 10001", s, m.target())
              .contains(m.target());
        }
      }
    }
    assertThat(used).containsExactlyInAnyOrderElementsOf(declared);
  }

  @Test
  void coordinators_loadWithTheRealConfigClasses_andNameTheThreeZooKeeperServices()
      throws Exception {
    Set<String> ensemble = new TreeSet<>();
    for (String zk : servicesNamed("zk-")) {
      ensemble.add(zk + ":" + zooCfg(zk).getProperty("secureClientPort"));
    }
    assertThat(ensemble).hasSize(3);
    Set<Integer> hostPorts = new TreeSet<>();
    for (String s : servicesNamed("coordinator-")) {
      Path file = configOnHost(s, configArgument(s, "coordinator"));

      CoordinatorSettings c = CoordinatorConfig.load(file);

      assertThat(c.zkConnect().split(","))
          .as("%s: zookeeper.connect", s)
          .containsExactlyInAnyOrderElementsOf(ensemble);
      assertThat(c.zkTls()).isTrue();
      assertThat(c.keys().identity())
          .isEqualTo(new Identity(nationOf(s), Role.COORDINATOR, "coordinator"));
      assertThat(c.trustBundle().nations()).containsExactlyInAnyOrderElementsOf(NATIONS);
      assertThat(c.genesis()).as("%s: the signed genesis", s).isNotNull();
      assertThat(c.advertiseHost()).as("%s: reached by its service name", s).isEqualTo(s);
      assertThat(c.listenHost()).isEqualTo("0.0.0.0");
      assertThat(hostNames(c.keys().certificate())).contains(s, "127.0.0.1");
      assertThat(c.artifactDir().toString()).startsWith(dir.resolve("volumes").toString());
      // The dashboard, served with TLS on every address, is what the service publishes.
      assertThat(c.dashboard()).isNotNull();
      assertThat(c.dashboard().tls()).isTrue();
      assertThat(c.dashboard().host()).isEqualTo("0.0.0.0");
      List<Object> ports = list(services.get(s).get("ports"));
      assertThat(ports).as("%s publishes its dashboard alone", s).hasSize(1);
      Matcher m = PUBLISHED.matcher(String.valueOf(ports.get(0)));
      assertThat(m.matches()).as("%s: %s", s, ports.get(0)).isTrue();
      assertThat(Integer.parseInt(m.group(2))).isEqualTo(c.dashboard().port());
      hostPorts.add(Integer.parseInt(m.group(1)));
    }
    assertThat(hostPorts).hasSize(3);
  }

  @Test
  void agents_loadWithTheRealConfigClasses_andNameTheirOwnNationsReplicaFirst() throws Exception {
    Map<String, Integer> replicas = new TreeMap<>();
    for (String s : servicesNamed("coordinator-")) {
      replicas.put(
          s,
          CoordinatorConfig.load(configOnHost(s, configArgument(s, "coordinator"))).listenPort());
    }
    Set<Identity> nodes = new LinkedHashSet<>();
    for (String s : servicesNamed("agent-")) {
      String nation = nationOf(s);
      AgentConfig.Loaded a = AgentConfig.load(configOnHost(s, configArgument(s, "agent")));

      AgentSettings settings = a.settings();
      String own = "coordinator-" + nation.toLowerCase(java.util.Locale.ROOT);
      assertThat(settings.coordinators().get(0))
          .as("%s tries its own nation's replica first", s)
          .isEqualTo(own + ":" + replicas.get(own));
      assertThat(settings.coordinators())
          .containsExactlyInAnyOrderElementsOf(
              replicas.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList());
      assertThat(settings.keys().identity().nation()).isEqualTo(nation);
      assertThat(settings.keys().identity().role()).isEqualTo(Role.NODE);
      assertThat(nodes.add(settings.keys().identity())).as("%s: a node of its own", s).isTrue();
      assertThat(a.workDir().toString()).startsWith(dir.resolve("volumes").toString());
      assertThat(a.dataRoots()).isNotEmpty();
      for (DataRoot root : a.dataRoots()) {
        assertThat(root.path()).isDirectory();
        assertThat(root.nations()).containsExactlyInAnyOrderElementsOf(NATIONS);
      }
      Map<String, Object> deps = map(services.get(s).get("depends_on"));
      assertThat(deps).containsOnlyKeys(own);
    }
    assertThat(nodes).hasSize(6);
  }

  @Test
  void zooKeeper_isTheShippedZooCfg_withTheEnsembleByServiceName() throws Exception {
    Properties shipped = new Properties();
    try (Reader r = Files.newBufferedReader(ROOT.resolve("deploy/zookeeper/zoo.cfg"))) {
      shipped.load(r);
    }
    Map<String, String> servers = new TreeMap<>();
    for (String zk : servicesNamed("zk-")) {
      Properties p = zooCfg(zk);
      assertThat(list(services.get(zk).get("entrypoint"))).containsExactly(ZOOKEEPER_ENTRYPOINT);
      // TLS for clients and the quorum, as deploy/zookeeper/zoo.cfg: only the servers differ.
      for (String key : shipped.stringPropertyNames()) {
        if (!key.startsWith("server.")) {
          assertThat(p.getProperty(key)).as("%s: %s", zk, key).isEqualTo(shipped.getProperty(key));
        }
      }
      Set<String> added = new TreeSet<>(p.stringPropertyNames());
      added.removeAll(shipped.stringPropertyNames());
      added.removeIf(k -> k.startsWith("server."));
      assertThat(added).containsExactly("quorumListenOnAllIPs");
      assertThat(p.getProperty("clientPort")).as("no plaintext port").isNull();
      assertThat(p.getProperty("sslQuorum")).isEqualTo("true");
      assertThat(p.getProperty("authProvider.x509"))
          .isEqualTo(CoordinatorAuthProvider.class.getName());
      Map<String, String> own = new TreeMap<>();
      for (String key : p.stringPropertyNames()) {
        if (key.startsWith("server.")) {
          own.put(key.substring("server.".length()), p.getProperty(key));
        }
      }
      if (servers.isEmpty()) {
        servers.putAll(own);
      }
      assertThat(own).as("%s: the same ensemble everywhere", zk).isEqualTo(servers);
      assertThat(own.get(environment(zk).get("ZOO_MY_ID")))
          .as("%s: ZOO_MY_ID is its own server.N", zk)
          .isEqualTo(zk + ":2888:3888");
      // Key store and trust store as mounted, the server's certificate from its own nation.
      Path keyStore = onHost(zk, p.getProperty("ssl.keyStore.location"));
      KeyMaterial keys = KeyMaterial.load(keyStore, keyStore);
      assertThat(keys.identity().nation()).isEqualTo(nationOf(zk));
      assertThat(keys.identity().role()).isEqualTo(Role.COORDINATOR);
      assertThat(p.getProperty("ssl.quorum.keyStore.location"))
          .isEqualTo(p.getProperty("ssl.keyStore.location"));
      List<X509Certificate> roots =
          Pem.readCertificates(onHost(zk, p.getProperty("ssl.trustStore.location")));
      assertThat(roots.stream().map(IdentityCertificates::nationOfRoot))
          .containsExactlyInAnyOrderElementsOf(NATIONS);
      Path data = onHost(zk, p.getProperty("dataDir"));
      assertThat(data.toString()).startsWith(dir.resolve("volumes").toString());
    }
    assertThat(servers.values())
        .containsExactlyInAnyOrderElementsOf(
            servicesNamed("zk-").stream().map(s -> s + ":2888:3888").toList());
  }

  @Test
  void onlyTheDashboards_arePublished_andOnlyOn127001() {
    for (String s : services.keySet()) {
      Map<String, Object> svc = services.get(s);
      assertThat(svc).as("%s", s).doesNotContainKey("network_mode");
      assertThat(list(svc.get("networks"))).as("%s: networks", s).containsExactly("federation");
      List<Object> ports = list(svc.get("ports"));
      if (!s.startsWith("coordinator-")) {
        assertThat(ports).as("%s publishes nothing", s).isEmpty();
      }
      for (Object port : ports) {
        assertThat(PUBLISHED.matcher(String.valueOf(port)).matches())
            .as("%s: %s is published on 127.0.0.1 alone", s, port)
            .isTrue();
      }
    }
    assertThat(map(compose.get("networks"))).containsOnlyKeys("federation");
  }

  @Test
  void cli_servicesAreEachNationsOperatorAndAuditor_andTheJobReadsTheAgentsPartitions()
      throws Exception {
    for (String s : servicesNamed("cli-")) {
      String nation = nationOf(s);
      Map<String, String> env = environment(s);
      IdentityDir ops = IdentityDir.load(onHost(s, env.get("ENTENTE_IDENTITY")));
      assertThat(ops.keys().identity().nation()).isEqualTo(nation);
      assertThat(ops.keys().identity().role()).isEqualTo(Role.OPERATOR);
      assertThat(ops.trust().nations()).containsExactlyInAnyOrderElementsOf(NATIONS);
      IdentityDir audit = IdentityDir.load(onHost(s, "/etc/entente/audit"));
      assertThat(audit.keys().identity()).isEqualTo(new Identity(nation, Role.AUDITOR, "audit"));
      List<String> targets = List.of(env.get("ENTENTE_COORDINATORS").split(","));
      assertThat(targets.get(0))
          .isEqualTo("coordinator-" + nation.toLowerCase(java.util.Locale.ROOT) + ":7443");
      assertThat(targets.stream().map(t -> t.split(":")[0]).toList())
          .containsExactlyInAnyOrderElementsOf(servicesNamed("coordinator-"));
    }
    JobSpec job = JobSpecFile.read(onHost("cli-de", "/etc/entente/jobs/fedavg.yaml"));
    assertThat(job.getKind()).isEqualTo("training");
    assertThat(job.getShards()).isEqualTo(3);
    assertThat(job.getDataList().stream().map(Artifact::getJurisdiction))
        .containsExactlyInAnyOrderElementsOf(NATIONS);
    for (Artifact ref : job.getDataList()) {
      assertThat(ref.getUri()).startsWith("file:///");
      String path = ref.getUri().substring("file://".length());
      for (String agent : servicesNamed("agent-")) {
        boolean own = nationOf(agent).equals(ref.getJurisdiction());
        boolean mounted = mounts(agent).stream().anyMatch(m -> path.startsWith(m.target() + "/"));
        assertThat(mounted)
            .as("%s mounts %s only if it is its nation's", agent, path)
            .isEqualTo(own);
        if (own) {
          Path file = onHost(agent, path);
          assertThat(sha256(file)).as("%s: digest", file).isEqualTo(ref.getSha256());
          AgentConfig.Loaded a =
              AgentConfig.load(configOnHost(agent, configArgument(agent, "agent")));
          assertThat(a.dataRoots().stream().anyMatch(r -> file.startsWith(r.path())))
              .as("%s: a data root holds %s", agent, path)
              .isTrue();
        }
      }
    }
  }

  @Test
  void dockerfile_entrypointAndTheZooKeeperOne_areInTheDistributionsLayout() throws IOException {
    String dockerfile = Files.readString(COMPOSE.resolve("Dockerfile"));
    String version = projectVersion();
    assertThat(dockerfile).containsPattern("(?m)^FROM eclipse-temurin:17-jre\\s*$");
    assertThat(dockerfile).containsPattern("(?m)^USER 10001(:10001)?\\s*$");
    assertThat(dockerfile).contains("ARG VERSION=" + version + "\n");
    // ADD unpacks entente-VERSION.tar.gz, whose top directory is entente-VERSION/ (tar.xml),
    // and /opt/entente links to it.
    assertThat(dockerfile).contains("ADD entente-${VERSION}.tar.gz /opt/\n");
    assertThat(dockerfile).contains("ln -s \"/opt/entente-${VERSION}\" /opt/entente");
    assertThat(Files.readString(ROOT.resolve("dist/src/assembly/tar.xml")))
        .contains("<baseDirectory>entente-${project.version}</baseDirectory>");
    Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[\"([^\"]+)\"]\\s*$").matcher(dockerfile);
    assertThat(entry.find()).as("an exec-form ENTRYPOINT").isTrue();
    assertThat(entry.group(1)).isEqualTo(DIST + "bin/entente");
    for (String launcher : List.of(entry.group(1), ZOOKEEPER_ENTRYPOINT)) {
      assertThat(launcher).startsWith(DIST);
      assertInDistribution(launcher.substring(DIST.length()), version);
    }
    // The compose file runs the image this Dockerfile builds by default.
    for (String s : services.keySet()) {
      assertThat(services.get(s).get("image"))
          .as("%s: image", s)
          .isEqualTo("entente:${ENTENTE_VERSION:-" + version + "}");
      assertThat(services.get(s).get("user")).isEqualTo("10001:10001");
      assertThat(services.get(s).get("read_only")).isEqualTo(true);
    }
  }

  /**
   * {@code relative} (such as bin/entente) is in the distribution: dist/src/bin/X, put in bin/
   * executable by contents.xml; and, when dist/target was built, there too, executable.
   */
  private static void assertInDistribution(String relative, String version) throws IOException {
    assertThat(relative).startsWith("bin/");
    String name = relative.substring("bin/".length());
    assertThat(ROOT.resolve("dist/src/bin").resolve(name)).isRegularFile().isExecutable();
    String contents = Files.readString(ROOT.resolve("dist/src/assembly/contents.xml"));
    assertThat(contents)
        .containsPattern(
            "(?s)<fileSet>\\s*<directory>src/bin</directory>\\s*<outputDirectory>bin</outputDirectory>"
                + "\\s*<fileMode>0755</fileMode>");
    Path built = ROOT.resolve("dist/target/entente-" + version).resolve(relative);
    if (Files.isDirectory(ROOT.resolve("dist/target/entente-" + version))) {
      assertThat(built).isRegularFile().isExecutable();
    }
  }

  private static String projectVersion() throws IOException {
    Matcher m =
        Pattern.compile("(?m)^  <version>([^<]+)</version>")
            .matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  // ---- small helpers ----

  private static List<String> hostNames(X509Certificate cert) throws Exception {
    List<String> names = new ArrayList<>();
    Collection<List<?>> sans = cert.getSubjectAlternativeNames();
    for (List<?> san : sans == null ? List.<List<?>>of() : sans) {
      int type = (Integer) san.get(0);
      if (type == 2 || type == 7) {
        names.add(String.valueOf(san.get(1)));
      }
    }
    return names;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    if (o == null) {
      return Map.of();
    }
    assertThat(o).isInstanceOf(Map.class);
    Map<String, Object> m = new LinkedHashMap<>();
    ((Map<Object, Object>) o).forEach((k, v) -> m.put(String.valueOf(k), v));
    return m;
  }

  private static List<Object> list(Object o) {
    if (o == null) {
      return List.of();
    }
    assertThat(o).isInstanceOf(List.class);
    return new ArrayList<>((List<?>) o);
  }
}
