package org.entente.coordinator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardResources;

/**
 * A job's spec as stored in ZooKeeper, after validation. Field paths in errors are the YAML paths
 * of the job file ({@code resources.gpus}, {@code data[1].sha256}), so the CLI can point at the
 * line. Immutable.
 */
public record JobSpec(
    String name,
    String kind,
    int shards,
    ShardAsk resources,
    boolean gang,
    Rules placement,
    int priority,
    int retryLimit,
    long maxRuntimeMs,
    ArtifactRef model,
    List<ArtifactRef> data,
    Map<String, String> parameters) {

  public static final int MAX_SHARDS = 1024;

  /** The parameter naming how inference shards are replicated: 1, 2 or adaptive (default). */
  public static final String REPLICAS = "replicas";

  private static final Set<String> KINDS = Set.of("training", "inference");

  /** Per-shard request. */
  public record ShardAsk(int gpus, long gpuMemoryBytes, int cpus, long memoryBytes) {}

  /** Placement rules. */
  public record Rules(
      Set<String> jurisdictions, boolean spread, Map<String, String> labels, String gpuModel) {
    public Rules {
      jurisdictions = new TreeSet<>(jurisdictions);
      labels = new TreeMap<>(labels);
    }
  }

  /**
   * A model or data artifact. {@code jurisdiction} (data only, "" when none) is the nation where
   * the partition lives: the shard that reads it runs only there.
   */
  public record ArtifactRef(String uri, String sha256, String jurisdiction) {
    public ArtifactRef {
      jurisdiction = jurisdiction == null ? "" : jurisdiction;
    }

    public ArtifactRef(String uri, String sha256) {
      this(uri, sha256, "");
    }
  }

  public JobSpec {
    data = List.copyOf(data);
    parameters = new TreeMap<>(parameters);
  }

  /**
   * How this job's shards are replicated: inference shards (not gangs) by their {@code replicas}
   * parameter, adaptive by default; training shards never (their updates are checked instead).
   */
  public Replication.Mode replication() {
    if (!"inference".equals(kind) || gang) {
      return Replication.Mode.NEVER;
    }
    return Replication.Mode.parse(parameters.get(REPLICAS));
  }

  /**
   * Validates a submitted spec.
   *
   * @throws InvalidRequestException naming the field
   */
  public static JobSpec fromProto(org.entente.proto.v1.JobSpec p) {
    if (!p.getName().matches("[a-z][a-z0-9-]{0,62}")) {
      throw new InvalidRequestException(
          "name", "1-63 lowercase letters, digits and '-', starting with a letter");
    }
    if (!KINDS.contains(p.getKind())) {
      throw new InvalidRequestException(
          "kind", "must be 'training' or 'inference', got '" + printable(p.getKind()) + "'");
    }
    range("shards", p.getShards(), 1, MAX_SHARDS);
    range("priority", p.getPriority(), -1000, 1000);
    range("retryLimit", p.getRetryLimit(), 0, 100);
    if (p.getMaxRuntimeMs() < 0 || p.getMaxRuntimeMs() > 30L * 24 * 3600 * 1000) {
      throw new InvalidRequestException("maxRuntime", "must be between 0 and 30 days");
    }
    ShardResources r = p.getResources();
    range("resources.gpus", r.getGpus(), 0, 64);
    range("resources.cpus", r.getCpus(), 1, 4096);
    if (r.getGpuMemoryBytes() < 0) {
      throw new InvalidRequestException("resources.gpuMemory", "must not be negative");
    }
    if (r.getGpuMemoryBytes() > 0 && r.getGpus() == 0) {
      throw new InvalidRequestException("resources.gpuMemory", "set only when gpus > 0");
    }
    if (r.getMemoryBytes() < 0) {
      throw new InvalidRequestException("resources.memory", "must not be negative");
    }
    PlacementRules pl = p.getPlacement();
    if (pl.getJurisdictionsCount() > 64) {
      throw new InvalidRequestException("placement.jurisdictions", "at most 64 nations");
    }
    for (int i = 0; i < pl.getJurisdictionsCount(); i++) {
      if (!pl.getJurisdictions(i).matches("[A-Z]{2,3}")) {
        throw new InvalidRequestException(
            "placement.jurisdictions[" + i + "]", "a nation code is 2-3 capital letters");
      }
    }
    if (pl.getLabelsCount() > 32) {
      throw new InvalidRequestException("placement.labels", "at most 32 labels");
    }
    for (var e : pl.getLabelsMap().entrySet()) {
      if (!e.getKey().matches("[a-z0-9][a-z0-9._/-]{0,62}")
          || !e.getValue().matches("[\\x20-\\x7e]{0,63}")) {
        throw new InvalidRequestException(
            "placement.labels." + printable(e.getKey()),
            "label keys are 1-63 lowercase letters, digits, '.', '_', '/', '-'; values at most 63"
                + " printable ASCII characters");
      }
    }
    if (!pl.getGpuModel().matches("[\\x20-\\x7e]{0,64}")) {
      throw new InvalidRequestException(
          "placement.gpuModel", "at most 64 printable ASCII characters");
    }
    if (pl.getGpuModel().length() > 0 && r.getGpus() == 0) {
      throw new InvalidRequestException("placement.gpuModel", "set only when resources.gpus > 0");
    }
    if (pl.getSpread() && p.getShards() < 2) {
      throw new InvalidRequestException("placement.spread", "needs at least 2 shards");
    }
    ArtifactRef model = p.hasModel() ? artifact("model", p.getModel()) : null;
    if (model != null && !model.jurisdiction().isEmpty()) {
      throw new InvalidRequestException(
          "model.jurisdiction", "only data partitions have a jurisdiction");
    }
    if (p.getDataCount() > 64) {
      throw new InvalidRequestException("data", "at most 64 data artifacts");
    }
    List<ArtifactRef> data = new ArrayList<>();
    for (int i = 0; i < p.getDataCount(); i++) {
      data.add(artifact("data[" + i + "]", p.getData(i)));
    }
    partitions(p, data);
    if (p.getParametersCount() > 64) {
      throw new InvalidRequestException("parameters", "at most 64 parameters");
    }
    for (var e : p.getParametersMap().entrySet()) {
      if (!e.getKey().matches("[A-Za-z][A-Za-z0-9_.-]{0,62}")) {
        throw new InvalidRequestException(
            "parameters." + printable(e.getKey()),
            "parameter names are 1-63 letters, digits, '_', '.', '-', starting with a letter");
      }
      if (e.getValue().length() > 1024) {
        throw new InvalidRequestException(
            "parameters." + e.getKey(), "values are at most 1024 characters");
      }
    }
    TrainingPlan.check(p.getKind(), p.getShards(), p.getParametersMap());
    if (p.getParametersMap().containsKey(REPLICAS)) {
      if (!p.getKind().equals("inference")) {
        throw new InvalidRequestException(
            "parameters." + REPLICAS, "only inference shards are replicated");
      }
      try {
        Replication.Mode.parse(p.getParametersMap().get(REPLICAS));
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("parameters." + REPLICAS, "must be 1, 2 or adaptive");
      }
      if (p.getGang() && !p.getParametersMap().get(REPLICAS).equals("1")) {
        throw new InvalidRequestException(
            "parameters." + REPLICAS, "a gang job's shards are not replicated; set it to 1");
      }
    }
    return new JobSpec(
        p.getName(),
        p.getKind(),
        p.getShards(),
        new ShardAsk(r.getGpus(), r.getGpuMemoryBytes(), r.getCpus(), r.getMemoryBytes()),
        p.getGang(),
        new Rules(
            new TreeSet<>(pl.getJurisdictionsList()),
            pl.getSpread(),
            pl.getLabelsMap(),
            pl.getGpuModel()),
        p.getPriority(),
        p.getRetryLimit(),
        p.getMaxRuntimeMs(),
        model,
        data,
        p.getParametersMap());
  }

  /**
   * Data is one artifact shared by every shard, or one partition per shard; partitions that name a
   * jurisdiction pin their shard there, so they must be one per shard and inside the job's rules.
   */
  private static void partitions(org.entente.proto.v1.JobSpec p, List<ArtifactRef> data) {
    if (data.size() > 1 && data.size() != p.getShards()) {
      throw new InvalidRequestException(
          "data",
          "give one artifact for all shards or one per shard ("
              + p.getShards()
              + "), got "
              + data.size());
    }
    Set<String> allowed = new TreeSet<>(p.getPlacement().getJurisdictionsList());
    for (int i = 0; i < data.size(); i++) {
      String j = data.get(i).jurisdiction();
      if (j.isEmpty()) {
        continue;
      }
      if (!j.matches("[A-Z]{2,3}")) {
        throw new InvalidRequestException(
            "data[" + i + "].jurisdiction", "a nation code is 2-3 capital letters");
      }
      if (data.size() != p.getShards()) {
        throw new InvalidRequestException(
            "data[" + i + "].jurisdiction",
            "a partition with a jurisdiction is read by one shard: give one per shard ("
                + p.getShards()
                + ")");
      }
      if (!allowed.isEmpty() && !allowed.contains(j)) {
        throw new InvalidRequestException(
            "data[" + i + "].jurisdiction",
            j
                + " is outside placement.jurisdictions "
                + allowed
                + ", so shard "
                + i
                + " could never run");
      }
      if (p.getPlacement().getSpread()) {
        throw new InvalidRequestException(
            "placement.spread",
            "not with data jurisdictions: the partitions already decide where each shard runs");
      }
    }
  }

  /** Shard index to the nation its data partition pins it to; empty when none is pinned. */
  public Map<Integer, String> shardJurisdictions() {
    Map<Integer, String> pinned = new TreeMap<>();
    if (data.size() == shards) {
      for (int i = 0; i < shards; i++) {
        if (!data.get(i).jurisdiction().isEmpty()) {
          pinned.put(i, data.get(i).jurisdiction());
        }
      }
    }
    return pinned;
  }

  private static ArtifactRef artifact(String field, Artifact a) {
    String uri = a.getUri();
    if (uri.length() > 2048
        || !(uri.startsWith("file:") || uri.startsWith("https:") || uri.startsWith("entente:"))) {
      throw new InvalidRequestException(
          field + ".uri", "must be a file:, https: or entente: URI of at most 2048 characters");
    }
    if (!a.getSha256().matches("[0-9a-f]{64}")) {
      throw new InvalidRequestException(field + ".sha256", "must be 64 lowercase hex digits");
    }
    if (uri.startsWith("entente:") && !uri.equals("entente:artifacts/" + a.getSha256())) {
      throw new InvalidRequestException(
          field + ".uri",
          "an artifact in the coordinators' store is named entente:artifacts/<its sha256>");
    }
    if (uri.startsWith("file:") && !uri.startsWith("file:/")) {
      throw new InvalidRequestException(
          field + ".uri", "a file: URI names an absolute path on the agent's host (file:///...)");
    }
    return new ArtifactRef(uri, a.getSha256(), a.getJurisdiction());
  }

  private static void range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidRequestException(
          field, "must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The wire form, as agents and clients see it. */
  public org.entente.proto.v1.JobSpec toProto() {
    var b =
        org.entente.proto.v1.JobSpec.newBuilder()
            .setName(name)
            .setKind(kind)
            .setShards(shards)
            .setResources(resourcesProto())
            .setGang(gang)
            .setPlacement(
                PlacementRules.newBuilder()
                    .addAllJurisdictions(placement.jurisdictions())
                    .setSpread(placement.spread())
                    .putAllLabels(placement.labels())
                    .setGpuModel(placement.gpuModel()))
            .setPriority(priority)
            .setRetryLimit(retryLimit)
            .setMaxRuntimeMs(maxRuntimeMs)
            .putAllParameters(parameters);
    if (model != null) {
      b.setModel(toProto(model));
    }
    data.forEach(d -> b.addData(toProto(d)));
    return b.build();
  }

  public ShardResources resourcesProto() {
    return ShardResources.newBuilder()
        .setGpus(resources.gpus())
        .setGpuMemoryBytes(resources.gpuMemoryBytes())
        .setCpus(resources.cpus())
        .setMemoryBytes(resources.memoryBytes())
        .build();
  }

  public static Artifact toProto(ArtifactRef a) {
    return Artifact.newBuilder()
        .setUri(a.uri())
        .setSha256(a.sha256())
        .setJurisdiction(a.jurisdiction())
        .build();
  }
}
