package org.entente.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.entente.cli.PkiFiles;
import org.entente.cli.UserException;
import org.entente.cli.job.ByteQuantity;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/configuration.md} against the config classes, both ways: the fields the loader
 * accepts are derived from the record types {@link YamlFiles} reads (the same Jackson introspection
 * it uses for its known-field lists, confirmed by asking the loader itself for its list at every
 * level), never from a copy kept here; the defaults in backticks are the ones a minimal config
 * gets; and the commented examples in {@code deploy/examples} load.
 */
class ConfigReferenceTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DOC = ROOT.resolve("docs/configuration.md");
  static final Path EXAMPLES = ROOT.resolve("deploy/examples");
  static final String COORDINATOR_SECTION = "## Coordinator (`coordinator.yaml`)";
  static final String AGENT_SECTION = "## Agent (`agent.yaml`)";

  /** A map key in a field path: {@code scheduling.quotas.<nation>.nominal}. */
  static final String MAP_KEY = "<*>";

  /** A list element in a field path: {@code dataRoots[].path}. */
  static final String LIST_ITEM = "[]";

  private static final ObjectMapper JACKSON = new ObjectMapper(new YAMLFactory());
  private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|(.*)\\|\\s*$");
  private static final Pattern LITERAL = Pattern.compile("`([^`]+)`");
  private static final String PROBE = "zzNoSuchField";

  @TempDir Path dir;

  /** A field the loader accepts: its dotted path, Java type and whether Jackson requires it. */
  record Field(String path, JavaType type, boolean required) {}

  /** A record type whose field names the loader checks, and the route to it from the root. */
  record Level(List<String> route, JavaType type) {}

  /** A table row of the reference: field path (map keys as {@link #MAP_KEY}) and the cells. */
  record Row(int line, String path, String type, String defaults, String required) {}

  /** The fields and record levels reachable from {@code root}, as the loader walks them. */
  record Schema(Map<String, Field> fields, List<Level> levels) {
    static Schema of(Class<?> root) {
      Schema s = new Schema(new LinkedHashMap<>(), new ArrayList<>());
      s.walk(JACKSON.constructType(root), List.of());
      return s;
    }

    private void walk(JavaType type, List<String> route) {
      if (type.getRawClass().isRecord()) {
        levels.add(new Level(route, type));
        for (BeanPropertyDefinition d : properties(type)) {
          List<String> at = append(route, d.getName());
          fields.put(path(at), new Field(path(at), d.getPrimaryType(), d.isRequired()));
          walk(d.getPrimaryType(), at);
        }
      } else if (type.isMapLikeType()) {
        walk(type.getContentType(), append(route, MAP_KEY));
      } else if (type.isCollectionLikeType()) {
        walk(type.getContentType(), append(route, LIST_ITEM));
      }
    }
  }

  /** The properties of a record type, found exactly as {@link YamlFiles} finds its known fields. */
  static List<BeanPropertyDefinition> properties(JavaType type) {
    return JACKSON.getDeserializationConfig().introspect(type).findProperties();
  }

  static List<String> append(List<String> route, String segment) {
    List<String> r = new ArrayList<>(route);
    r.add(segment);
    return List.copyOf(r);
  }

  static String path(List<String> route) {
    return String.join(".", route).replace("." + LIST_ITEM, LIST_ITEM);
  }

  /** The word the reference's Type column starts with for a Java type. */
  static String typeWord(JavaType t) {
    Class<?> c = t.getRawClass();
    if (c == String.class) {
      return "string";
    } else if (c == Duration.class) {
      return "duration";
    } else if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
      return "integer";
    } else if (c == Double.class || c == double.class) {
      return "number";
    } else if (c == Boolean.class || c == boolean.class) {
      return "boolean";
    } else if (c.isRecord()) {
      return "object";
    } else if (t.isMapLikeType()) {
      assertThat(t.getKeyType().getRawClass()).as("map key type of " + t).isEqualTo(String.class);
      return "map of " + typeWord(t.getContentType());
    } else if (t.isCollectionLikeType()) {
      return "list of " + typeWord(t.getContentType());
    }
    throw new AssertionError("no documented type word for " + t + "; extend typeWord");
  }

  /** The field rows of one {@code ## } section of the reference, by normalized field path. */
  static Map<String, Row> rows(String section) throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    int start = lines.indexOf(section);
    assertThat(start).as(DOC + " has the heading " + section).isNotNegative();
    Map<String, Row> rows = new LinkedHashMap<>();
    for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
      String line = lines.get(i);
      if (!line.startsWith("|") || line.startsWith("| Field |") || line.startsWith("| --- ")) {
        continue;
      }
      Matcher m = ROW.matcher(line);
      assertThat(m.matches())
          .as("line %d is a table row whose first cell is a field in backticks: %s", i + 1, line)
          .isTrue();
      String[] cells = m.group(2).split("\\|", -1);
      assertThat(cells)
          .as("line %d has Field, Type, Default, Required and Meaning cells: %s", i + 1, line)
          .hasSize(4);
      String path = m.group(1).replaceAll("<[^<>]+>", MAP_KEY);
      Row row = new Row(i + 1, path, cells[0].strip(), cells[1].strip(), cells[2].strip());
      Row before = rows.put(path, row);
      assertThat(before)
          .as("%s is documented once in %s, but also on line %d", path, section, row.line())
          .isNull();
    }
    return rows;
  }

  @Test
  void coordinatorReference_listsExactlyTheFieldsTheLoaderAccepts() throws IOException {
    checkBothWays(COORDINATOR_SECTION, Schema.of(CoordinatorConfig.class));
  }

  @Test
  void agentReference_listsExactlyTheFieldsTheLoaderAccepts() throws IOException {
    checkBothWays(AGENT_SECTION, Schema.of(AgentConfig.class));
  }

  private static void checkBothWays(String section, Schema schema) throws IOException {
    Map<String, Row> documented = rows(section);
    Set<String> missing = new TreeSet<>(schema.fields().keySet());
    missing.removeAll(documented.keySet());
    Set<String> unknown = new TreeSet<>(documented.keySet());
    unknown.removeAll(schema.fields().keySet());
    assertThat(missing)
        .as("fields the loader accepts that %s of %s does not list", section, DOC)
        .isEmpty();
    assertThat(unknown)
        .as("fields %s of %s lists that the loader does not accept", section, DOC)
        .isEmpty();

    SoftAssertions soft = new SoftAssertions();
    for (Field f : schema.fields().values()) {
      Row row = documented.get(f.path());
      String word = typeWord(f.type());
      soft.assertThat(row.type().equals(word) || row.type().startsWith(word + " ("))
          .as(
              "line %d: %s is of type '%s', documented '%s'",
              row.line(), f.path(), word, row.type())
          .isTrue();
      soft.assertThat(row.required())
          .as("line %d: whether %s is required", row.line(), f.path())
          .isEqualTo(f.required() ? "yes" : "no");
    }
    soft.assertAll();
  }

  @Test
  void loader_reportsAsKnownExactlyTheFieldsDerivedFromTheRecords() throws IOException {
    for (Class<?> root : List.of(CoordinatorConfig.class, AgentConfig.class)) {
      List<Level> levels = Schema.of(root).levels();
      assertThat(levels).as("record levels of " + root.getSimpleName()).hasSizeGreaterThan(3);
      for (Level level : levels) {
        List<String> derived =
            properties(level.type()).stream().map(BeanPropertyDefinition::getName).toList();
        assertThat(knownFieldsAt(root, level.route()))
            .as("fields the loader knows at '%s' of %s", path(level.route()), root.getSimpleName())
            .containsExactlyInAnyOrderElementsOf(derived);
      }
    }
  }

  /**
   * Asks the real loader: a file with an unknown field at {@code route} must be refused, naming the
   * fields it knows there.
   */
  private List<String> knownFieldsAt(Class<?> root, List<String> route) throws IOException {
    JsonNode node = JsonNodeFactory.instance.objectNode().put(PROBE, 1);
    for (int i = route.size() - 1; i >= 0; i--) {
      String segment = route.get(i);
      if (segment.equals(LIST_ITEM)) {
        node = JsonNodeFactory.instance.arrayNode().add(node);
      } else {
        String key = segment.equals(MAP_KEY) ? "DE" : segment;
        node = JsonNodeFactory.instance.objectNode().set(key, node);
      }
    }
    Path file = Files.writeString(dir.resolve("probe.yaml"), JACKSON.writeValueAsString(node));
    Throwable e = catchThrowable(() -> YamlFiles.read(file, root));
    assertThat(e)
        .as("the loader refuses an unknown field at '%s'", path(route))
        .isInstanceOf(UserException.class);
    Matcher m =
        Pattern.compile("unknown field '" + PROBE + "'; known fields: \\[(.*)\\]$")
            .matcher(e.getMessage());
    assertThat(m.find())
        .as("the loader names its known fields at '%s': %s", path(route), e.getMessage())
        .isTrue();
    return Arrays.stream(m.group(1).split(",")).map(String::strip).toList();
  }

  // ---- defaults ----

  /** How the Default cell of a field compares with what a minimal config really gets. */
  record Check(Object actual, Function<String, Object> fromDoc) {}

  /** A cell holding one value in backticks, parsed; anything else never equals a real value. */
  static Function<String, Object> literal(Function<String, Object> parse) {
    return cell -> {
      Matcher m = LITERAL.matcher(cell);
      return m.matches() ? parse.apply(m.group(1)) : "<not one literal: " + cell + ">";
    };
  }

  /** {@code none} or {@code off}: the field left out gives nothing (null or empty). */
  static final Function<String, Object> NOTHING =
      cell ->
          Set.of("none", "off").contains(cell) ? Optional.empty() : "<not none/off: " + cell + ">";

  static Object nothingOr(Object value) {
    boolean empty =
        value == null
            || value instanceof Collection<?> c && c.isEmpty()
            || value instanceof Map<?, ?> m && m.isEmpty();
    return empty ? Optional.empty() : Optional.of(value);
  }

  static Boolean bool(String text) {
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not a boolean: " + text);
    };
  }

  /** A cell whose default is a single value in backticks, or none/off, must be checked. */
  static boolean checkable(String cell) {
    return LITERAL.matcher(cell).matches() || Set.of("none", "off").contains(cell);
  }

  private static void checkDefaults(String section, Map<String, Check> checks) throws IOException {
    Map<String, Row> documented = rows(section);
    Set<String> needChecking =
        documented.values().stream()
            .filter(r -> checkable(r.defaults()))
            .map(Row::path)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(needChecking).as("fields with a default in backticks in " + section).isNotEmpty();
    assertThat(checks.keySet())
        .as("defaults this test compares with %s (a new default needs a check here)", section)
        .containsAll(needChecking);
    SoftAssertions soft = new SoftAssertions();
    for (var e : checks.entrySet()) {
      Row row = documented.get(e.getKey());
      soft.assertThat(row).as("%s is documented in %s", e.getKey(), section).isNotNull();
      if (row != null) {
        soft.assertThat(e.getValue().fromDoc().apply(row.defaults()))
            .as("line %d: documented default of %s, '%s'", row.line(), row.path(), row.defaults())
            .isEqualTo(e.getValue().actual());
      }
    }
    soft.assertAll();
  }

  private Path coordinatorFiles(Path conf) throws IOException {
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE", "FR");
    PkiFiles.writeIdentity(
        pki,
        new Identity("DE", Role.COORDINATOR, "coordinator"),
        conf.resolve("certs"),
        "127.0.0.1");
    PkiFiles.writeRoots(pki, conf.resolve("trust"), "DE", "FR");
    return conf;
  }

  private static final String MINIMAL_COORDINATOR =
      """
      identity: {cert: certs/cert.pem, key: certs/key.pem}
      trust: [trust/de.pem, trust/fr.pem]
      listen: 127.0.0.1:7443
      zookeeper: {connect: 'zk1:2181'}
      """;

  @Test
  void coordinatorDefaults_areTheOnesAMinimalConfigGets() throws IOException {
    Path conf = coordinatorFiles(dir.resolve("conf"));
    CoordinatorSettings s =
        CoordinatorConfig.load(
            Files.writeString(conf.resolve("coordinator.yaml"), MINIMAL_COORDINATOR));

    Function<String, Object> duration = literal(DurationText::parse);
    Map<String, Check> checks = new LinkedHashMap<>();
    checks.put(
        "advertise",
        new Check(
            s.advertiseHost(), cell -> cell.equals("the `listen` host") ? s.listenHost() : cell));
    checks.put("zookeeper.chroot", new Check(s.zkChroot(), literal(v -> v)));
    checks.put("zookeeper.sessionTimeout", new Check(s.zkSessionTimeout(), duration));
    checks.put("zookeeper.connectTimeout", new Check(s.zkConnectTimeout(), duration));
    checks.put("zookeeper.tls", new Check(s.zkTls(), literal(ConfigReferenceTest::bool)));
    checks.put("membership.heartbeatInterval", new Check(s.heartbeatInterval(), duration));
    checks.put("membership.nodeLostTimeout", new Check(s.nodeLostTimeout(), duration));
    checks.put("revocation.pollInterval", new Check(s.revocationPollInterval(), duration));
    checks.put("metrics.port", new Check(s.metricsPort(), literal(Integer::valueOf)));
    checks.put("limits.maxConnectionAge", new Check(s.limits().maxConnectionAge(), duration));
    checks.put(
        "limits.maxInboundMessageBytes",
        new Check(s.limits().maxInboundMessageBytes(), literal(Integer::valueOf)));
    checks.put("dashboard", new Check(nothingOr(s.dashboard()), NOTHING));
    checks.put("artifacts.dir", new Check(s.artifactDir(), literal(conf::resolve)));
    checks.put("artifacts.maxSize", new Check(s.maxArtifactBytes(), literal(ByteQuantity::parse)));
    checks.put("governance.genesis", new Check(nothingOr(s.genesis()), NOTHING));
    checks.put("scheduling.passInterval", new Check(s.scheduling().passInterval(), duration));
    checks.put("scheduling.backoffBase", new Check(s.scheduling().backoffBase(), duration));
    checks.put("scheduling.backoffCap", new Check(s.scheduling().backoffCap(), duration));
    checks.put("scheduling.lostNodeGrace", new Check(s.scheduling().lostNodeGrace(), duration));
    checks.put("scheduling.placedTimeout", new Check(s.scheduling().placedTimeout(), duration));
    checks.put(
        "scheduling.defaultMaxRuntime", new Check(s.scheduling().defaultMaxRuntime(), duration));
    checks.put("scheduling.jobRetention", new Check(s.scheduling().jobRetention(), duration));
    checkDefaults(COORDINATOR_SECTION, checks);
  }

  @Test
  void dashboardTlsDefault_isTheLoopbackRuleTheReferenceStates() throws IOException {
    Row row = rows(COORDINATOR_SECTION).get("dashboard.tls");
    assertThat(row).as("dashboard.tls is documented").isNotNull();
    Matcher m =
        Pattern.compile("`(true|false)` on loopback, `(true|false)` elsewhere")
            .matcher(row.defaults());
    assertThat(m.matches()).as("line %d: default of dashboard.tls: %s", row.line(), row).isTrue();
    Path conf = coordinatorFiles(dir.resolve("conf"));
    Function<String, CoordinatorSettings> withDashboard =
        listen -> {
          try {
            return CoordinatorConfig.load(
                Files.writeString(
                    conf.resolve("coordinator.yaml"),
                    MINIMAL_COORDINATOR + "dashboard: {listen: '" + listen + "'}\n"));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };

    CoordinatorSettings loopback = withDashboard.apply(":0");
    CoordinatorSettings elsewhere = withDashboard.apply("0.0.0.0:0");

    assertThat(loopback.dashboard().host()).as("':port' is loopback").isEqualTo("127.0.0.1");
    assertThat(loopback.dashboard().tls()).as("TLS on loopback").isEqualTo(bool(m.group(1)));
    assertThat(elsewhere.dashboard().tls()).as("TLS elsewhere").isEqualTo(bool(m.group(2)));
  }

  @Test
  void agentDefaults_areTheOnesAMinimalConfigGets() throws IOException {
    Path conf = dir.resolve("etc");
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE");
    PkiFiles.writeIdentity(pki, new Identity("DE", Role.NODE, "gpu-01"), conf.resolve("node"));
    PkiFiles.writeRoots(pki, conf.resolve("trust"), "DE");
    AgentConfig.Loaded l =
        AgentConfig.load(
            Files.writeString(
                conf.resolve("agent.yaml"),
                """
                identity: {cert: node/cert.pem, key: node/key.pem}
                trust: [trust/de.pem]
                coordinators: ['coord.de.example.org:7443']
                """));

    Function<String, Object> duration = literal(DurationText::parse);
    Map<String, Check> checks = new LinkedHashMap<>();
    checks.put("labels", new Check(nothingOr(l.labels()), NOTHING));
    checks.put("reconnect.initialBackoff", new Check(l.settings().backoff().initial(), duration));
    checks.put("reconnect.maxBackoff", new Check(l.settings().backoff().max(), duration));
    checks.put("workDir", new Check(l.workDir(), literal(v -> conf.resolve(v).normalize())));
    checks.put("dataRoots", new Check(nothingOr(l.dataRoots()), NOTHING));
    checks.put("metrics.port", new Check(l.settings().metricsPort(), literal(Integer::valueOf)));
    checkDefaults(AGENT_SECTION, checks);
  }

  // ---- examples ----

  @Test
  void examples_areTheTwoConfigsBesideTheJobSpecs() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      assertThat(
              files
                  .map(p -> p.getFileName().toString())
                  .filter(n -> n.endsWith(".yaml") && !n.startsWith("job-")))
          .as("config files in " + EXAMPLES + " (each one is loaded below)")
          .containsExactlyInAnyOrder("coordinator.yaml", "agent.yaml");
    }
  }

  @Test
  void coordinatorExample_loads() throws IOException {
    Path file = copyExample("coordinator.yaml");
    CoordinatorConfig c = YamlFiles.read(file, CoordinatorConfig.class);
    Path base = file.getParent();
    LocalPki pki = pkiFor(base, c.trust());
    writeIdentity(
        base,
        pki.issue(new Identity("DE", Role.COORDINATOR, "coordinator"), "coord.de.example.org"),
        c.identity());
    if (c.governance() != null && c.governance().genesis() != null) {
      // An empty file reads as an empty SignedGenesis; it is verified only when founding.
      Files.write(base.resolve(c.governance().genesis()), new byte[0]);
    }

    CoordinatorSettings s = CoordinatorConfig.load(file);

    assertThat(s.listenPort()).isEqualTo(HostPort.parse("listen", c.listen()).port());
    assertThat(s.zkConnect()).isEqualTo(c.zookeeper().connect());
    assertThat(s.zkTls()).isEqualTo(Boolean.TRUE.equals(c.zookeeper().tls()));
    assertThat(s.trustBundle().nations()).hasSize(c.trust().size());
  }

  @Test
  void agentExample_loads() throws IOException {
    Path file = copyExample("agent.yaml");
    AgentConfig c = YamlFiles.read(file, AgentConfig.class);
    Path base = file.getParent();
    LocalPki pki = pkiFor(base, c.trust());
    writeIdentity(base, pki.issue(new Identity("DE", Role.NODE, "gpu-01")), c.identity());

    AgentConfig.Loaded l = AgentConfig.load(file);

    assertThat(l.settings().coordinators()).isEqualTo(c.coordinators());
    assertThat(l.labels()).isEqualTo(c.labels() == null ? Map.of() : c.labels());
    assertThat(l.dataRoots()).hasSize(c.dataRoots() == null ? 0 : c.dataRoots().size());
  }

  private Path copyExample(String name) throws IOException {
    Path copy = dir.resolve("example").resolve(name);
    Files.createDirectories(copy.getParent());
    return Files.copy(EXAMPLES.resolve(name), copy);
  }

  /** A PKI of the nations the {@code trust} files are named after, with each root written. */
  private static LocalPki pkiFor(Path base, List<String> trust) throws IOException {
    Map<String, String> nationOf = new LinkedHashMap<>();
    for (String f : trust) {
      String stem = Path.of(f).getFileName().toString().replaceFirst("\\.pem$", "");
      nationOf.put(f, stem.toUpperCase(Locale.ROOT));
    }
    Set<String> nations = new LinkedHashSet<>(nationOf.values());
    assertThat(nations).as("trust files named after nations").contains("DE");
    LocalPki pki = LocalPki.create(Clock.systemUTC(), nations.toArray(String[]::new));
    for (var e : nationOf.entrySet()) {
      Path root = base.resolve(e.getKey());
      Files.createDirectories(root.getParent());
      Pem.writePublic(root, pki.ca(e.getValue()).certificate());
    }
    return pki;
  }

  private static void writeIdentity(Path base, KeyMaterial keys, IdentityFiles files)
      throws IOException {
    Path cert = base.resolve(files.cert());
    Path key = base.resolve(files.key());
    Files.createDirectories(cert.getParent());
    Files.createDirectories(key.getParent());
    Pem.writePublic(cert, keys.certificate());
    Pem.writePrivateKey(key, keys.privateKey());
  }
}
