package org.entente.coordinator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.Gpu;
import org.entente.proto.v1.NodeResources;
import org.entente.proto.v1.PlacementRules;
import org.entente.proto.v1.ShardResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSpecTest {
  static org.entente.proto.v1.JobSpec.Builder good() {
    return org.entente.proto.v1.JobSpec.newBuilder()
        .setName("mnist")
        .setKind("training")
        .setShards(3)
        .setResources(ShardResources.newBuilder().setGpus(1).setCpus(2));
  }

  @Test
  void aGoodSpec_roundTrips() {
    var p =
        good()
            .setModel(Artifact.newBuilder().setUri("file:///m.pt").setSha256("a".repeat(64)))
            .putParameters("steps", "100")
            .setPlacement(PlacementRules.getDefaultInstance())
            .build();
    assertThat(JobSpec.fromProto(p).toProto()).isEqualTo(p);
  }

  @ParameterizedTest
  @CsvSource({
    "kind,kind",
    "shards,shards",
    "gpus,resources.gpus",
    "cpus,resources.cpus",
    "jurisdiction,placement.jurisdictions[0]",
    "sha,model.sha256",
    "scheme,model.uri",
    "name,name",
    "spread,placement.spread",
  })
  void badFields_areNamedByTheirYamlPath(String what, String field) {
    var b = good();
    switch (what) {
      case "kind" -> b.setKind("mining");
      case "shards" -> b.setShards(0);
      case "gpus" -> b.setResources(ShardResources.newBuilder().setGpus(65).setCpus(1));
      case "cpus" -> b.setResources(ShardResources.newBuilder().setCpus(0));
      case "jurisdiction" -> b.setPlacement(PlacementRules.newBuilder().addJurisdictions("de"));
      case "sha" -> b.setModel(Artifact.newBuilder().setUri("file:///m").setSha256("ABC"));
      case "scheme" ->
          b.setModel(Artifact.newBuilder().setUri("ftp://x/m").setSha256("a".repeat(64)));
      case "name" -> b.setName("Bad Name");
      case "spread" -> b.setShards(1).setPlacement(PlacementRules.newBuilder().setSpread(true));
      default -> throw new IllegalArgumentException(what);
    }
    assertThatThrownBy(() -> JobSpec.fromProto(b.build()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void feasibility_refusesWhatNoKnownNodeCouldRun_andAcceptsWhatMustOnlyWait() {
    var node =
        new JobFeasibility.NationResources(
            "DE",
            Resources.fromProto(
                NodeResources.newBuilder()
                    .setCpuCores(8)
                    .setMemoryBytes(1L << 30)
                    .addGpus(Gpu.newBuilder().setIndex(0).setMemoryBytes(16L << 30))
                    .build()));
    Set<String> members = Set.of("DE", "FR");
    JobFeasibility.check(JobSpec.fromProto(good().build()), members, List.of(node));
    assertThatThrownBy(
            () ->
                JobFeasibility.check(
                    JobSpec.fromProto(
                        good()
                            .setResources(ShardResources.newBuilder().setGpus(2).setCpus(1))
                            .build()),
                    members,
                    List.of(node)))
        .hasMessageContaining("resources.gpus")
        .hasMessageContaining("largest has 1");
    assertThatThrownBy(
            () ->
                JobFeasibility.check(
                    JobSpec.fromProto(
                        good()
                            .setPlacement(PlacementRules.newBuilder().addJurisdictions("FR"))
                            .build()),
                    members,
                    List.of(node)))
        .hasMessageContaining("no node in FR has any GPUs");
    assertThatThrownBy(
            () ->
                JobFeasibility.check(
                    JobSpec.fromProto(
                        good()
                            .setPlacement(PlacementRules.newBuilder().addJurisdictions("US"))
                            .build()),
                    members,
                    List.of(node)))
        .hasMessageContaining("placement.jurisdictions[0]")
        .hasMessageContaining("US is not a member");
  }

  private static Artifact part(String nation) {
    return Artifact.newBuilder()
        .setUri("file:///data/" + nation + ".csv")
        .setSha256("b".repeat(64))
        .setJurisdiction(nation)
        .build();
  }

  @Test
  void dataPartitions_pinTheirShards_andRoundTrip() {
    var p =
        good()
            .setPlacement(PlacementRules.getDefaultInstance())
            .addData(part("DE"))
            .addData(part("FR"))
            .addData(part("JP"))
            .build();
    JobSpec spec = JobSpec.fromProto(p);
    assertThat(spec.shardJurisdictions())
        .containsExactly(
            java.util.Map.entry(0, "DE"),
            java.util.Map.entry(1, "FR"),
            java.util.Map.entry(2, "JP"));
    assertThat(spec.toProto()).isEqualTo(p);
  }

  @ParameterizedTest
  @CsvSource({
    "count,data",
    "lowercase,data[0].jurisdiction",
    "outside,data[1].jurisdiction",
    "spread,placement.spread",
    "model,model.jurisdiction",
  })
  void badPartitions_areNamed(String what, String field) {
    var b = good();
    switch (what) {
      case "count" -> b.addData(part("DE")).addData(part("FR"));
      case "lowercase" -> b.addData(part("de")).addData(part("FR")).addData(part("JP"));
      case "outside" ->
          b.setPlacement(PlacementRules.newBuilder().addJurisdictions("DE"))
              .addData(part("DE"))
              .addData(part("FR"))
              .addData(part("DE"));
      case "spread" ->
          b.setPlacement(PlacementRules.newBuilder().setSpread(true))
              .addData(part("DE"))
              .addData(part("FR"))
              .addData(part("JP"));
      case "model" -> b.setModel(part("DE"));
      default -> throw new IllegalArgumentException(what);
    }
    assertThatThrownBy(() -> JobSpec.fromProto(b.build()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void partitionInNonMemberNation_isInfeasible() {
    JobSpec spec =
        JobSpec.fromProto(
            good().addData(part("DE")).addData(part("US")).addData(part("DE")).build());
    assertThatThrownBy(() -> JobFeasibility.check(spec, Set.of("DE", "FR"), List.of()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("data[1].jurisdiction"))
        .hasMessageContaining("US is not a member");
  }
}
