package org.entente.cli.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import org.apache.curator.test.TestingServer;
import org.entente.agent.artifacts.ArtifactFetcher;
import org.entente.agent.artifacts.ArtifactUploader;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.entente.cli.TestFederation;
import org.entente.cli.TestZooKeeper;
import org.entente.cli.demo.LocalFederation;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardOutput;
import org.entente.security.FederationTrust;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.Role;
import org.entente.security.TlsContexts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifact commands, and the agent's fetcher and uploader, against one real federation: three
 * coordinator replicas (DE, FR, JP) over mTLS on loopback with a real ZooKeeper.
 */
class ArtifactCommandsTest {
  @TempDir static Path dir;
  private static TestingServer zk;
  private static LocalFederation fed;
  private static String de;

  @BeforeAll
  static void startFederation() throws Exception {
    zk = TestZooKeeper.start();
    fed = TestFederation.start(zk.getConnectString(), "/entente", dir.resolve("ids"));
    de = dir.resolve("ids/de-operator").toString();
  }

  @AfterAll
  static void stopFederation() throws Exception {
    if (fed != null) {
      fed.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  /** Runs as the DE operator against the given replicas only (all when none given). */
  private static Cli.Result asDe(List<String> replicas, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    List<String> addresses =
        replicas.isEmpty()
            ? fed.addresses()
            : replicas.stream().map(n -> fed.coordinators().get(n).address()).toList();
    all.addAll(List.of("--coordinator", String.join(",", addresses), "--identity", de));
    return Cli.run(all.toArray(String[]::new));
  }

  private static Path file(String name, int size, long seed) throws Exception {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return Files.write(dir.resolve(name), b);
  }

  private static String sha(Path f) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  @Test
  void put_thenGetFromAnotherReplica_sameBytesAndEveryReplicaHoldsIt() throws Exception {
    Path model = file("model.bin", 3 * (1 << 20) + 11, 1);
    String sha = sha(model);

    Cli.Result put = asDe(List.of("DE"), "artifact", "put", model.toString()).succeeded();

    assertThat(put.outLines())
        .containsExactly(
            "uri       entente:artifacts/" + sha,
            "sha256    " + sha,
            "size      " + Files.size(model) + " bytes (3.0 MiB)",
            "replicas  DE, FR, JP");
    Path back = dir.resolve("model-back.bin");
    Cli.Result get = asDe(List.of("JP"), "artifact", "get", sha, "-o", back.toString()).succeeded();
    assertThat(get.out()).contains("sha256 " + sha + " verified");
    assertThat(back).hasSameBinaryContentAs(model);
  }

  @Test
  void putJson_thenStatJson_describeTheSameArtifact() throws Exception {
    Path data = file("data.csv", 10_000, 2);
    String sha = sha(data);

    JsonNode put =
        TestFederation.json(
            asDe(List.of(), "artifact", "put", data.toString(), "--json").succeeded().out());
    JsonNode stat =
        TestFederation.json(
            asDe(List.of("FR"), "artifact", "stat", "entente:artifacts/" + sha, "--json")
                .succeeded()
                .out());

    assertThat(put.get("uri").asText()).isEqualTo("entente:artifacts/" + sha);
    assertThat(put.get("sha256").asText()).isEqualTo(sha);
    assertThat(put.get("sizeBytes").asLong()).isEqualTo(10_000);
    assertThat(put.get("replicas")).hasSize(3);
    assertThat(stat.get("sha256").asText()).isEqualTo(sha);
    assertThat(stat.get("sizeBytes").asLong()).isEqualTo(10_000);
    assertThat(stat.get("replicas").get(0).asText()).isEqualTo("FR");
  }

  @Test
  void getAndStat_unknownDigest_notFoundInOneLineAndNoFileWritten() {
    String unknown = "ab".repeat(32);
    Path out = dir.resolve("never.bin");

    String line =
        asDe(List.of(), "artifact", "get", unknown, "-o", out.toString())
            .oneLineError(ExitCodes.NOT_FOUND);
    asDe(List.of(), "artifact", "stat", unknown).oneLineError(ExitCodes.NOT_FOUND);

    assertThat(line).contains("no live replica holds artifact " + unknown);
    assertThat(out).doesNotExist();
    assertThat(dir.toFile().list((d, n) -> n.startsWith(".never.bin"))).isEmpty();
  }

  @Test
  void badArguments_invalidInOneLine() {
    asDe(List.of(), "artifact", "get", "not-a-digest", "-o", dir.resolve("x").toString())
        .oneLineError(ExitCodes.INVALID);
    String missing =
        asDe(List.of(), "artifact", "put", dir.resolve("no-such-file").toString())
            .oneLineError(ExitCodes.INVALID);
    asDe(
            List.of(),
            "artifact",
            "get",
            "ab".repeat(32),
            "-o",
            dir.resolve("no/such/dir/x").toString())
        .oneLineError(ExitCodes.INVALID);

    assertThat(missing).contains("no such file");
  }

  @Test
  void agent_uploadsOutputAndFetchesArtifactsFromRealReplicas() throws Exception {
    KeyMaterial node = fed.pki().issue(new Identity("FR", Role.NODE, "gpu-07"));
    String fr = fed.coordinators().get("FR").address();
    int colon = fr.lastIndexOf(':');
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(
                fr.substring(0, colon), Integer.parseInt(fr.substring(colon + 1)))
            .sslContext(
                TlsContexts.client(
                    node,
                    new FederationTrust(fed.bundle()),
                    Clock.systemUTC(),
                    Set.of(Role.COORDINATOR)))
            .maxInboundMessageSize(1 << 20)
            .build();
    try {
      Path output = file("outputs.jsonl", 2 * (1 << 20) + 3, 3);

      ShardOutput stored = new ArtifactUploader(() -> ch).upload(output);
      ArtifactFetcher fetcher =
          new ArtifactFetcher(
              dir.resolve("agent-cache"), () -> ch, SSLContext.getDefault(), 1 << 20);
      Path fetched =
          fetcher.fetch(
              "data[0]",
              Artifact.newBuilder()
                  .setUri("entente:artifacts/" + stored.getSha256())
                  .setSha256(stored.getSha256())
                  .build());

      assertThat(stored.getSha256()).isEqualTo(sha(output));
      assertThat(stored.getSizeBytes()).isEqualTo(Files.size(output));
      assertThat(fetched).hasSameBinaryContentAs(output);
      asDe(List.of("DE"), "artifact", "stat", stored.getSha256()).succeeded();
    } finally {
      ch.shutdownNow();
    }
  }
}
