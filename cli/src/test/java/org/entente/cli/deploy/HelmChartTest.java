package org.entente.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.entente.agent.AgentSettings;
import org.entente.cli.PkiFiles;
import org.entente.cli.config.AgentConfig;
import org.entente.cli.config.CoordinatorConfig;
import org.entente.coordinator.CoordinatorSettings;
import org.entente.security.Identity;
import org.entente.security.LocalPki;
import org.entente.security.Pem;
import org.entente.security.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart in {@code deploy/helm/entente}, without Helm (none is installable here): its two
 * config files, rendered with the defaults of {@code values.yaml} both in Java ({@link
 * ValuesTemplate}) and by {@code deploy/render-template}, must be configs Entente's own classes
 * accept; the placeholders are the ones the chart's README promises other tools; and every template
 * must be YAML once its actions are rendered the way {@link #renderTemplate} defines.
 */
class HelmChartTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path CHART = ROOT.resolve("deploy/helm/entente");
  static final Path RENDER = ROOT.resolve("deploy/render-template");

  /** The placeholder names other tools render the files with: an interface, kept stable. */
  static final List<String> COORDINATOR_KEYS =
      List.of(
          "coordinator.identity.cert",
          "coordinator.identity.key",
          "trust.roots",
          "coordinator.port",
          "coordinator.advertise",
          "zookeeper.connect",
          "zookeeper.chroot",
          "zookeeper.sessionTimeout",
          "zookeeper.tls",
          "metrics.port",
          "coordinator.artifacts.dir",
          "coordinator.artifacts.maxSize");

  static final List<String> AGENT_KEYS =
      List.of(
          "agent.identity.cert",
          "agent.identity.key",
          "trust.roots",
          "agent.coordinators",
          "agent.labels.site",
          "agent.workDir",
          "metrics.port");

  @TempDir Path dir;
  private Map<String, String> values;

  @BeforeEach
  void readValues() throws IOException {
    values = ValuesTemplate.values(CHART.resolve("values.yaml"));
  }

  /**
   * The defaults of values.yaml, except the three file paths, which point at real PKI material
   * under the test's directory instead of the containers' /etc/entente.
   */
  private Map<String, String> valuesWithFilesIn(Path etc) throws IOException {
    LocalPki pki = LocalPki.create(Clock.systemUTC(), "DE", "FR");
    PkiFiles.writeIdentity(
        pki, new Identity("DE", Role.COORDINATOR, "coordinator"), etc.resolve("c"));
    PkiFiles.writeIdentity(pki, new Identity("DE", Role.NODE, "gpu-01"), etc.resolve("n"));
    Files.writeString(
        etc.resolve("roots.pem"),
        Pem.encode(pki.ca("DE").certificate()) + Pem.encode(pki.ca("FR").certificate()),
        StandardCharsets.US_ASCII);
    Map<String, String> v = new LinkedHashMap<>(values);
    v.put("coordinator.identity.cert", etc.resolve("c/cert.pem").toString());
    v.put("coordinator.identity.key", etc.resolve("c/key.pem").toString());
    v.put("agent.identity.cert", etc.resolve("n/cert.pem").toString());
    v.put("agent.identity.key", etc.resolve("n/key.pem").toString());
    v.put("trust.roots", etc.resolve("roots.pem").toString());
    return v;
  }

  @Test
  void configFiles_placeholders_areTheDocumentedOnes() throws IOException {
    String coordinator = Files.readString(CHART.resolve("files/coordinator.yaml"));
    String agent = Files.readString(CHART.resolve("files/agent.yaml"));

    assertThat(ValuesTemplate.placeholders(coordinator))
        .containsExactlyInAnyOrderElementsOf(COORDINATOR_KEYS);
    assertThat(ValuesTemplate.placeholders(agent)).containsExactlyInAnyOrderElementsOf(AGENT_KEYS);
    String readme = Files.readString(CHART.resolve("README.md"));
    assertThat(readme)
        .contains(
            "| `files/coordinator.yaml` | "
                + String.join(", ", COORDINATOR_KEYS.stream().map(k -> "`" + k + "`").toList())
                + " |")
        .contains(
            "| `files/agent.yaml` | "
                + String.join(", ", AGENT_KEYS.stream().map(k -> "`" + k + "`").toList())
                + " |");
    // Simple placeholders only: every action in the two files is one of them.
    assertThat(coordinator.replaceAll(ValuesTemplate.PLACEHOLDER.pattern(), ""))
        .doesNotContain("{{");
    assertThat(agent.replaceAll(ValuesTemplate.PLACEHOLDER.pattern(), "")).doesNotContain("{{");
    for (String key : COORDINATOR_KEYS) {
      assertThat(values.get(key)).as("values.yaml sets %s", key).isNotNull();
    }
    for (String key : AGENT_KEYS) {
      assertThat(values.get(key)).as("values.yaml sets %s", key).isNotNull();
    }
  }

  @Test
  void coordinatorFile_renderedWithDefaults_isAConfigEntenteAccepts() throws IOException {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Map<String, String> v = valuesWithFilesIn(etc);
    Path file =
        Files.writeString(
            etc.resolve("coordinator.yaml"),
            ValuesTemplate.render(Files.readString(CHART.resolve("files/coordinator.yaml")), v));

    CoordinatorSettings s = CoordinatorConfig.load(file);

    assertThat(s.zkConnect()).isEqualTo(values.get("zookeeper.connect"));
    assertThat(s.zkChroot()).isEqualTo("/entente");
    assertThat(s.zkTls()).isTrue();
    assertThat(s.listenPort()).isEqualTo(7443);
    assertThat(s.advertiseHost()).isEqualTo("entente-coordinator");
    assertThat(s.metricsPort()).isEqualTo(9464);
    assertThat(s.zkSessionTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.artifactDir()).isEqualTo(Path.of("/var/lib/entente/artifacts"));
    assertThat(s.trustBundle().nations()).containsExactlyInAnyOrder("DE", "FR");
  }

  @Test
  void agentFile_renderedWithDefaults_isAConfigEntenteAccepts() throws IOException {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Map<String, String> v = valuesWithFilesIn(etc);
    Path file =
        Files.writeString(
            etc.resolve("agent.yaml"),
            ValuesTemplate.render(Files.readString(CHART.resolve("files/agent.yaml")), v));

    AgentConfig.Loaded a = AgentConfig.load(file);

    AgentSettings s = a.settings();
    assertThat(s.coordinators()).containsExactly("entente-coordinator:7443");
    assertThat(s.keys().identity()).isEqualTo(new Identity("DE", Role.NODE, "gpu-01"));
    assertThat(a.labels()).containsEntry("site", "kubernetes");
    assertThat(a.workDir()).isEqualTo(Path.of("/var/lib/entente-agent"));
    assertThat(s.metricsPort()).isEqualTo(9464);
  }

  @Test
  void agentFile_severalCoordinators_areAList() throws IOException {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Map<String, String> v = valuesWithFilesIn(etc);
    v.put("agent.coordinators", "entente-coordinator:7443, coord.fr.example.org:7443");
    Path file =
        Files.writeString(
            etc.resolve("agent.yaml"),
            ValuesTemplate.render(Files.readString(CHART.resolve("files/agent.yaml")), v));

    assertThat(AgentConfig.load(file).settings().coordinators())
        .containsExactly("entente-coordinator:7443", "coord.fr.example.org:7443");
  }

  @Test
  void renderTemplateScript_rendersAsTheJavaRendererDoes_andLoads() throws Exception {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Map<String, String> v = valuesWithFilesIn(etc);
    for (String name : List.of("coordinator.yaml", "agent.yaml")) {
      Path source = CHART.resolve("files").resolve(name);
      List<String> keys = name.equals("agent.yaml") ? AGENT_KEYS : COORDINATOR_KEYS;
      List<String> args = new ArrayList<>();
      for (String k : keys) {
        args.add(k + "=" + v.get(k));
      }
      Result r = renderScript(source, args);

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo(ValuesTemplate.render(Files.readString(source), v));
      Path file = Files.writeString(etc.resolve(name), r.out());
      if (name.equals("agent.yaml")) {
        assertThat(AgentConfig.load(file).settings().coordinators()).isNotEmpty();
      } else {
        assertThat(CoordinatorConfig.load(file).zkConnect()).isEqualTo(v.get("zookeeper.connect"));
      }
    }
  }

  @Test
  void renderTemplateScript_placeholderLeft_failsNamingIt() throws Exception {
    Path source = CHART.resolve("files/agent.yaml");
    List<String> args = new ArrayList<>();
    for (String k : AGENT_KEYS) {
      if (!k.equals("agent.workDir")) {
        args.add(k + "=x");
      }
    }
    args.add("agent.workdir=typo");

    Result r = renderScript(source, args);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("{{ .Values.agent.workDir }}")
        .doesNotContain("agent.coordinators");
    assertThatThrownBy(
            () -> ValuesTemplate.render(Files.readString(source), Map.of("trust.roots", "r")))
        .hasMessageContaining("{{ .Values.agent.workDir }}");
  }

  @Test
  void renderTemplateScript_valuesWithSpecialCharacters_areWrittenAsIs() throws Exception {
    Path source = Files.writeString(dir.resolve("t.yaml"), "a: \"{{ .Values.x.y }}\"\n");

    Result r = renderScript(source, List.of("x.y=p&q\\1/s*|$HOME"));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("a: \"p&q\\1/s*|$HOME\"\n");
  }

  @Test
  void templates_renderedAsDefined_areKubernetesObjectsInYaml() throws IOException {
    String helpers = Files.readString(CHART.resolve("templates/_helpers.tpl"));
    Map<String, String> defines = defines(helpers);
    assertThat(defines)
        .containsKeys("entente.labels", "entente.podSecurity", "entente.containerSecurity");
    for (Map.Entry<String, String> d : defines.entrySet()) {
      JsonNode body = ValuesTemplate.YAML.readTree(renderTemplate(d.getValue(), defines));
      assertThat(body.isObject()).as("define %s is a YAML mapping", d.getKey()).isTrue();
    }
    List<String> kinds = new ArrayList<>();
    try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
      for (Path t : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        String rendered = renderTemplate(Files.readString(t), defines);
        for (String doc : rendered.split("(?m)^---\\s*$")) {
          if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
            continue;
          }
          JsonNode o = ValuesTemplate.YAML.readTree(doc);
          assertThat(o.path("apiVersion").asText()).as("%s: apiVersion", t).isNotEmpty();
          assertThat(o.path("metadata").path("name").asText()).as("%s: name", t).isNotEmpty();
          kinds.add(o.path("kind").asText());
          if (o.path("kind").asText().equals("ConfigMap")) {
            checkConfigMap(o);
          }
        }
      }
    }
    assertThat(kinds)
        .containsExactlyInAnyOrder("Deployment", "ConfigMap", "Service", "StatefulSet");
  }

  /** The ConfigMap's two files, as the chart embeds them, are the rendered files. */
  private void checkConfigMap(JsonNode configMap) throws IOException {
    for (String name : List.of("coordinator.yaml", "agent.yaml")) {
      String embedded = configMap.path("data").path(name).asText();
      String rendered =
          ValuesTemplate.render(Files.readString(CHART.resolve("files").resolve(name)), values);
      assertThat(embedded).as(name).startsWith(rendered.strip());
    }
    assertThat(configMap.path("data").path("coordinator.yaml").asText())
        .contains("governance:\n  genesis: /etc/entente/genesis/genesis.pb");
  }

  @Test
  void templates_referToValuesThatExist() throws IOException {
    Pattern ref = Pattern.compile("\\$?\\.Values\\.([A-Za-z0-9_.]+)");
    try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
      for (Path t : files.toList()) {
        Matcher m = ref.matcher(Files.readString(t));
        while (m.find()) {
          assertThat(values)
              .as("%s uses .Values.%s", t.getFileName(), m.group(1))
              .containsKey(m.group(1));
        }
      }
    }
  }

  private static final Pattern DEFINE =
      Pattern.compile("(?s)\\{\\{-? define \"([^\"]+)\" -?}}\\n?(.*?)\\{\\{-? end -?}}");
  private static final Pattern CONTROL =
      Pattern.compile("^\\s*\\{\\{-?\\s*(if|else|end|range|with|/\\*).*}}\\s*$");
  private static final Pattern BLOCK =
      Pattern.compile(
          "^\\s*\\{\\{-?\\s*(include|toYaml|tpl)\\s+(.*?)\\|\\s*nindent\\s+(\\d+)\\s*}}\\s*$");
  private static final Pattern VALUE =
      Pattern.compile("\\{\\{-?\\s*\\$?\\.Values\\.([A-Za-z0-9_.]+)\\s*(\\|\\s*quote\\s*)?-?}}");
  private static final Pattern ANY_ACTION = Pattern.compile("\\{\\{.*?}}");

  private static Map<String, String> defines(String helpers) {
    Map<String, String> d = new LinkedHashMap<>();
    Matcher m = DEFINE.matcher(helpers);
    while (m.find()) {
      d.put(m.group(1), m.group(2));
    }
    return d;
  }

  /**
   * A template rendered without Helm, as far as its YAML shape goes: lines that are only a control
   * action ({@code if}, {@code else}, {@code end}, {@code range}, comments) are dropped, so both
   * branches and one pass of every loop remain; {@code include "name"} blocks are the define's
   * body, {@code toYaml .Values.x} blocks the values as YAML and {@code tpl (.Files.Get "files/f")}
   * blocks the file rendered with {@link ValuesTemplate}, each indented as its {@code nindent}
   * says; a {@code .Values.x} action is its value ({@code | quote}: quoted), and any other action
   * is {@code x}.
   */
  private String renderTemplate(String template, Map<String, String> defines) throws IOException {
    StringBuilder out = new StringBuilder();
    for (String line : template.split("\n", -1)) {
      if (CONTROL.matcher(line).matches()) {
        continue;
      }
      Matcher b = BLOCK.matcher(line);
      if (b.matches()) {
        String block = block(b.group(1), b.group(2).strip(), defines);
        String pad = " ".repeat(Integer.parseInt(b.group(3)));
        for (String l : block.strip().split("\n")) {
          out.append(pad).append(l).append('\n');
        }
        continue;
      }
      out.append(inline(line)).append('\n');
    }
    return out.toString();
  }

  private String block(String function, String argument, Map<String, String> defines)
      throws IOException {
    switch (function) {
      case "include" -> {
        String name = argument.replaceAll("^\"([^\"]+)\".*", "$1");
        assertThat(defines).as("include %s", name).containsKey(name);
        return renderTemplate(defines.get(name), defines);
      }
      case "toYaml" -> {
        String key = argument.replaceAll("^\\$?\\.Values\\.", "");
        JsonNode node =
            ValuesTemplate.YAML.readTree(Files.readString(CHART.resolve("values.yaml")));
        for (String part : key.split("\\.")) {
          node = node.path(part);
        }
        assertThat(node.isObject()).as("toYaml .Values.%s is a mapping", key).isTrue();
        return ValuesTemplate.YAML.writeValueAsString(node).replaceFirst("^---\\s*\\n", "");
      }
      default -> {
        Matcher f = Pattern.compile("\\(\\.Files\\.Get \"([^\"]+)\"\\) \\.").matcher(argument);
        assertThat(f.matches()).as("tpl %s", argument).isTrue();
        return ValuesTemplate.render(Files.readString(CHART.resolve(f.group(1))), values);
      }
    }
  }

  private String inline(String line) {
    Matcher v = VALUE.matcher(line);
    StringBuilder s = new StringBuilder();
    while (v.find()) {
      assertThat(values).as(".Values.%s", v.group(1)).containsKey(v.group(1));
      String value = values.get(v.group(1));
      v.appendReplacement(s, "");
      s.append(v.group(2) != null ? "\"" + value + "\"" : value);
    }
    v.appendTail(s);
    return ANY_ACTION.matcher(s.toString()).replaceAll("x");
  }

  record Result(int exit, String out, String err) {}

  static Result renderScript(Path source, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(RENDER.toString(), source.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }
}
