package org.entente.cli.job;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.config.DurationText;
import org.entente.cli.config.YamlFiles;
import org.entente.cli.job.YamlTree.Mapping;
import org.entente.cli.job.YamlTree.Node;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.JobSpec;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardResources;

/**
 * A job spec file ({@code job.yaml}, documented in {@code docs/jobs.md}) read into a {@link
 * JobSpec}, with the line of every field so that the coordinator's rejections can point into the
 * file too. Every problem is reported as {@code job.yaml:LINE: FIELD.PATH: problem}. The checks
 * mirror the coordinator's, so a bad file is refused before anything is sent. Immutable.
 */
public record JobSpecFile(Path file, JobSpec spec, Map<String, Integer> lines) {
  private static final List<String> TOP =
      List.of(
          "name",
          "kind",
          "shards",
          "gang",
          "priority",
          "retryLimit",
          "maxRuntime",
          "resources",
          "placement",
          "model",
          "data",
          "parameters");
  private static final List<String> RESOURCES = List.of("gpus", "gpuMemory", "cpus", "memory");
  private static final List<String> PLACEMENT =
      List.of("jurisdictions", "spread", "labels", "gpuModel");
  private static final List<String> MODEL = List.of("uri", "sha256");
  private static final List<String> DATA = List.of("uri", "sha256", "jurisdiction");
  private static final Duration MAX_RUNTIME = Duration.ofDays(30);
  private static final int MAX_ITEMS = 64;
  private static final Pattern SERVER_FIELD = Pattern.compile("(?s)field '([^']+)': (.*)");

  public JobSpecFile {
    lines = Map.copyOf(lines);
  }

  /** Reads and checks {@code file}; every problem is a {@link UserException} (INVALID). */
  public static JobSpecFile load(Path file) {
    String text = YamlFiles.readText(file);
    try (JsonParser p = YamlFiles.parser(text)) {
      Node root = YamlTree.parse(p);
      Map<String, Integer> lines = new LinkedHashMap<>();
      YamlTree.index(root, lines);
      return new JobSpecFile(file, spec(root.mapping()), lines);
    } catch (SpecProblem e) {
      throw new UserException(ExitCodes.INVALID, e.describe(file));
    } catch (JsonProcessingException e) {
      YamlFiles.SyntaxError s = YamlFiles.syntaxError(e);
      throw new UserException(
          ExitCodes.INVALID, file + ":" + s.line() + ": not valid YAML: " + s.problem());
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, file + ": cannot read: " + e.getMessage());
    }
  }

  /** Reads and checks {@code file}, as {@link #load}, and returns only the spec. */
  public static JobSpec read(Path file) {
    return load(file).spec();
  }

  /**
   * The line {@code path} is on: its own, or that of the nearest enclosing field written in the
   * file (a field left to its default is reported at its parent).
   */
  public Optional<Integer> lineOf(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Integer line = lines.get(p);
      if (line != null) {
        return Optional.of(line);
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? "" : p.substring(0, cut);
    }
    return Optional.empty();
  }

  /**
   * A coordinator's description of the form {@code field 'resources.gpus': problem} rewritten as
   * {@code job.yaml:LINE: resources.gpus: problem}; empty when it names no field of this file.
   */
  public Optional<String> locate(String description) {
    Matcher m = SERVER_FIELD.matcher(description == null ? "" : description.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    String path = m.group(1);
    return lineOf(path).map(line -> file + ":" + line + ": " + path + ": " + m.group(2));
  }

  private static JobSpec spec(Mapping top) {
    top.allowOnly(TOP);
    JobSpec.Builder b = JobSpec.newBuilder();
    Node name = top.require("name");
    if (!name.text().matches("[a-z][a-z0-9-]{0,62}")) {
      throw name.problem(
          "must be 1-63 lowercase letters, digits and '-', starting with a letter, got '"
              + name.text()
              + "'");
    }
    b.setName(name.text());
    Node kind = top.require("kind");
    if (!kind.text().equals("training") && !kind.text().equals("inference")) {
      throw kind.problem("must be 'training' or 'inference', got '" + kind.text() + "'");
    }
    b.setKind(kind.text());
    b.setShards(top.require("shards").integer(1, 1024));
    b.setGang(top.get("gang") != null && top.get("gang").bool());
    b.setPriority(top.get("priority") == null ? 0 : top.get("priority").integer(-1000, 1000));
    b.setRetryLimit(top.get("retryLimit") == null ? 3 : top.get("retryLimit").integer(0, 100));
    if (top.get("maxRuntime") != null) {
      b.setMaxRuntimeMs(maxRuntime(top.get("maxRuntime")).toMillis());
    }
    ShardResources r = resources(top.require("resources").mapping());
    b.setResources(r);
    if (top.get("placement") != null) {
      b.setPlacement(placement(top.get("placement").mapping(), r, b.getShards()));
    }
    if (top.get("model") != null) {
      b.setModel(artifact(top.get("model"), false));
    }
    if (top.get("data") != null) {
      List<Node> data = top.get("data").sequence().items();
      if (data.size() > MAX_ITEMS) {
        throw top.get("data").problem("at most " + MAX_ITEMS + " data artifacts");
      }
      data.forEach(d -> b.addData(artifact(d, true)));
    }
    if (top.get("parameters") != null) {
      b.putAllParameters(parameters(top.get("parameters").mapping()));
    }
    return b.build();
  }

  private static Duration maxRuntime(Node n) {
    Duration d;
    try {
      d = DurationText.parse(n.text());
    } catch (IllegalArgumentException e) {
      throw n.problem(e.getMessage());
    }
    if (d.compareTo(MAX_RUNTIME) > 0) {
      throw n.problem("must be at most 30 days (720h), got " + n.text());
    }
    return d;
  }

  private static ShardResources resources(Mapping m) {
    m.allowOnly(RESOURCES);
    ShardResources.Builder r = ShardResources.newBuilder();
    r.setGpus(m.get("gpus") == null ? 0 : m.get("gpus").integer(0, 64));
    r.setCpus(m.get("cpus") == null ? 1 : m.get("cpus").integer(1, 4096));
    if (m.get("memory") != null) {
      r.setMemoryBytes(bytes(m.get("memory")));
    }
    if (m.get("gpuMemory") != null) {
      r.setGpuMemoryBytes(bytes(m.get("gpuMemory")));
      if (r.getGpuMemoryBytes() > 0 && r.getGpus() == 0) {
        throw m.get("gpuMemory").problem("set only when gpus > 0");
      }
    }
    return r.build();
  }

  private static long bytes(Node n) {
    try {
      return ByteQuantity.parse(n.text());
    } catch (IllegalArgumentException e) {
      throw n.problem(e.getMessage());
    }
  }

  private static PlacementRules placement(Mapping m, ShardResources r, int shards) {
    m.allowOnly(PLACEMENT);
    PlacementRules.Builder b = PlacementRules.newBuilder();
    if (m.get("jurisdictions") != null) {
      List<Node> codes = m.get("jurisdictions").sequence().items();
      if (codes.size() > MAX_ITEMS) {
        throw m.get("jurisdictions").problem("at most " + MAX_ITEMS + " nations");
      }
      Set<String> seen = new HashSet<>();
      for (Node c : codes) {
        if (!c.text().matches("[A-Z]{2,3}")) {
          throw c.problem("a nation code is 2-3 capital letters, got '" + c.text() + "'");
        }
        if (!seen.add(c.text())) {
          throw c.problem(c.text() + " is listed twice");
        }
        b.addJurisdictions(c.text());
      }
    }
    if (m.get("spread") != null) {
      b.setSpread(m.get("spread").bool());
      if (b.getSpread() && shards < 2) {
        throw m.get("spread").problem("needs at least 2 shards");
      }
    }
    if (m.get("labels") != null) {
      Mapping labels = m.get("labels").mapping();
      if (labels.fields().size() > 32) {
        throw labels.problem("at most 32 labels");
      }
      for (var e : labels.fields().entrySet()) {
        if (!e.getKey().matches("[a-z0-9][a-z0-9._/-]{0,62}")) {
          throw e.getValue()
              .problem("label keys are 1-63 lowercase letters, digits, '.', '_', '/', '-'");
        }
        String value = e.getValue().text();
        if (!value.matches("[\\x20-\\x7e]{0,63}")) {
          throw e.getValue().problem("label values are at most 63 printable ASCII characters");
        }
        b.putLabels(e.getKey(), value);
      }
    }
    if (m.get("gpuModel") != null) {
      Node model = m.get("gpuModel");
      if (!model.text().matches("[\\x20-\\x7e]{1,64}")) {
        throw model.problem("at most 64 printable ASCII characters");
      }
      if (r.getGpus() == 0) {
        throw model.problem("set only when resources.gpus > 0");
      }
      b.setGpuModel(model.text());
    }
    return b.build();
  }

  private static Artifact artifact(Node n, boolean data) {
    Mapping m = n.mapping().allowOnly(data ? DATA : MODEL);
    Node uri = m.require("uri");
    Node sha = m.require("sha256");
    String u = uri.text();
    if (u.length() > 2048
        || !(u.startsWith("file:") || u.startsWith("https:") || u.startsWith("entente:"))) {
      throw uri.problem(
          "must be a file:, https: or entente: URI of at most 2048 characters, got '"
              + (u.length() > 64 ? u.substring(0, 64) + "..." : u)
              + "'");
    }
    if (!sha.text().matches("[0-9a-f]{64}")) {
      throw sha.problem("must be 64 lowercase hex digits (the SHA-256 of the content)");
    }
    Artifact.Builder a = Artifact.newBuilder().setUri(u).setSha256(sha.text());
    Node where = m.get("jurisdiction");
    if (where != null) {
      if (!where.text().matches("[A-Z]{2,3}")) {
        throw where.problem(
            "a nation code is 2-3 capital letters (where this partition lives), got '"
                + where.text()
                + "'");
      }
      a.setJurisdiction(where.text());
    }
    return a.build();
  }

  private static Map<String, String> parameters(Mapping m) {
    if (m.fields().size() > MAX_ITEMS) {
      throw m.problem("at most " + MAX_ITEMS + " parameters");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (var e : m.fields().entrySet()) {
      if (!e.getKey().matches("[A-Za-z][A-Za-z0-9_.-]{0,62}")) {
        throw e.getValue()
            .problem(
                "parameter names are 1-63 letters, digits, '_', '.', '-', starting with a letter");
      }
      String value = e.getValue().text();
      if (value.length() > 1024) {
        throw e.getValue().problem("values are at most 1024 characters");
      }
      out.put(e.getKey(), value);
    }
    return out;
  }
}
