package org.entente.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.entente.proto.v1.ArtifactChunk;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.proto.v1.ArtifactServiceGrpc;
import org.entente.proto.v1.GetArtifactRequest;
import org.entente.proto.v1.PutArtifactHeader;
import org.entente.proto.v1.PutArtifactRequest;
import org.entente.proto.v1.ReplicaServiceGrpc;
import org.entente.proto.v1.StatArtifactRequest;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifact store over real mutual TLS with three replicas (DE, FR, JP) on a real ZooKeeper:
 * uploads are verified, stored and copied to every replica before they are answered; downloads are
 * served from any replica, refilled from a peer when a copy is missing or damaged; wrong content
 * and foreign certificates change nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArtifactApiTest {
  private static final int CHUNK = 1 << 20;
  private static final List<String> NATIONS = List.of("DE", "FR", "JP");

  @TempDir static Path dirs;
  private CoordinatorFixture f;
  private final Map<String, Coordinator> replicas = new LinkedHashMap<>();
  private long seed;

  @BeforeAll
  void startFederation() throws Exception {
    f = CoordinatorFixture.start();
    String chroot = f.newChroot("artifacts");
    for (String n : NATIONS) {
      replicas.put(
          n, f.startReplica(n, chroot, s -> s.toBuilder().artifactDir(dirs.resolve(n)).build()));
    }
    CoordinatorFixture.awaitLeader(List.copyOf(replicas.values()));
  }

  @AfterAll
  void stopFederation() throws Exception {
    f.close();
  }

  // ------------------------------------------------------------------------------ helpers

  private byte[] content(int size) {
    byte[] b = new byte[size];
    new SplittableRandom(++seed).nextBytes(b);
    return b;
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private ManagedChannel as(String replica, KeyMaterial km) {
    return f.channel(replicas.get(replica), km);
  }

  private ManagedChannel operator(String replica) {
    return as(replica, f.operator(replica));
  }

  private static ArtifactServiceGrpc.ArtifactServiceBlockingStub blocking(ManagedChannel ch) {
    return ArtifactServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static PutArtifactRequest header(String sha, long size) {
    return PutArtifactRequest.newBuilder()
        .setHeader(PutArtifactHeader.newBuilder().setSha256(sha).setSizeBytes(size))
        .build();
  }

  private static List<PutArtifactRequest> upload(String declaredSha, long size, byte[] content) {
    List<PutArtifactRequest> m = new ArrayList<>();
    m.add(header(declaredSha, size));
    // A chunk and its framing must fit the server's 1 MiB message limit.
    int step = CHUNK - 1024;
    for (int at = 0; at < content.length; at += step) {
      m.add(
          PutArtifactRequest.newBuilder()
              .setChunk(ByteString.copyFrom(content, at, Math.min(step, content.length - at)))
              .build());
    }
    return m;
  }

  /** Sends {@code messages} on a Put call and returns its answer (or throws its status). */
  private static ArtifactInfo send(ManagedChannel ch, List<PutArtifactRequest> messages)
      throws Exception {
    return send(
        ArtifactServiceGrpc.newStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)::put, messages);
  }

  private static ArtifactInfo send(
      java.util.function.Function<StreamObserver<ArtifactInfo>, StreamObserver<PutArtifactRequest>>
          call,
      List<PutArtifactRequest> messages)
      throws Exception {
    CompletableFuture<ArtifactInfo> answer = new CompletableFuture<>();
    StreamObserver<PutArtifactRequest> up =
        call.apply(
            new StreamObserver<>() {
              private ArtifactInfo info;

              @Override
              public void onNext(ArtifactInfo value) {
                info = value;
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                answer.complete(info);
              }
            });
    for (PutArtifactRequest m : messages) {
      up.onNext(m);
    }
    up.onCompleted();
    try {
      return answer.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private ArtifactInfo put(String replica, byte[] content) throws Exception {
    return send(operator(replica), upload(sha(content), content.length, content));
  }

  /** Downloads through {@code ch}, checking the framing: size first, chunks of at most 1 MiB. */
  private static byte[] get(ManagedChannel ch, String sha) {
    Iterator<ArtifactChunk> it =
        blocking(ch).get(GetArtifactRequest.newBuilder().setSha256(sha).build());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long declared = -1;
    while (it.hasNext()) {
      ArtifactChunk c = it.next();
      if (declared < 0) {
        declared = c.getSizeBytes();
      }
      assertThat(c.getChunk().size()).isLessThanOrEqualTo(CHUNK);
      out.writeBytes(c.getChunk().toByteArray());
    }
    assertThat(out.size()).as("bytes received vs declared size").isEqualTo(declared);
    return out.toByteArray();
  }

  private Path stored(String nation, String sha) {
    return dirs.resolve(nation).resolve("sha256").resolve(sha.substring(0, 2)).resolve(sha);
  }

  /** Every regular file of the replicas' stores, lock files aside. */
  private List<Path> allStoredFiles() throws IOException {
    try (Stream<Path> all = Files.walk(dirs)) {
      return all.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals(".lock"))
          .toList();
    }
  }

  private static Status.Code code(Throwable t) {
    return Status.fromThrowable(t).getCode();
  }

  // -------------------------------------------------------------------------------- tests

  @Test
  void put_onOneReplica_isCopiedToAllAndServedByAnother() throws Exception {
    byte[] model = content(3 * CHUNK + 12_345);
    String sha = sha(model);

    ArtifactInfo info = put("DE", model);

    assertThat(info.getSha256()).isEqualTo(sha);
    assertThat(info.getSizeBytes()).isEqualTo(model.length);
    assertThat(info.getUri()).isEqualTo("entente:artifacts/" + sha);
    assertThat(info.getExisted()).isFalse();
    assertThat(info.getReplicasList()).containsExactly("DE", "FR", "JP");
    for (String n : NATIONS) {
      assertThat(stored(n, sha)).hasBinaryContent(model);
    }
    assertThat(get(as("FR", f.node("FR", "gpu-01")), sha)).isEqualTo(model);
  }

  @Test
  void put_contentAlreadyHeld_answersExistedAndKeepsOneCopy() throws Exception {
    byte[] data = content(50_000);
    put("FR", data);

    ArtifactInfo again = put("JP", data);

    assertThat(again.getExisted()).isTrue();
    assertThat(again.getReplicasList()).containsExactly("JP", "DE", "FR");
  }

  @Test
  void put_noDeclaredDigest_storesWhatArrivesUnderItsDigest() throws Exception {
    byte[] data = content(10_000);

    ArtifactInfo info = send(operator("DE"), upload("", data.length, data));

    assertThat(info.getSha256()).isEqualTo(sha(data));
    assertThat(stored("JP", sha(data))).hasBinaryContent(data);
  }

  @Test
  void put_emptyArtifact_roundTrips() throws Exception {
    ArtifactInfo info = put("DE", new byte[0]);

    assertThat(info.getSizeBytes()).isZero();
    assertThat(get(operator("JP"), info.getSha256())).isEmpty();
  }

  @Test
  void get_readerTakesNothing_replicaStopsSendingUntilItDoes() throws Exception {
    byte[] big = content(64 * CHUNK);
    String sha = sha(big);
    put("DE", big);
    Coordinator de = replicas.get("DE");
    long servedBefore = de.metrics().artifactBytesServed.getLongValue();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicReference<ClientCallStreamObserver<GetArtifactRequest>> call = new AtomicReference<>();
    ArtifactServiceGrpc.newStub(operator("DE"))
        .get(
            GetArtifactRequest.newBuilder().setSha256(sha).build(),
            new ClientResponseObserver<GetArtifactRequest, ArtifactChunk>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<GetArtifactRequest> c) {
                c.disableAutoRequestWithInitial(1);
                call.set(c);
              }

              @Override
              public void onNext(ArtifactChunk c) {
                synchronized (received) {
                  received.writeBytes(c.getChunk().toByteArray());
                }
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });

    await().atMost(Duration.ofSeconds(10)).until(() -> size(received) > 0);
    // Flow control: what the replica hands to the call stays near the transport's windows.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> de.metrics().artifactBytesServed.getLongValue() - servedBefore < 24L * CHUNK);

    call.get().request(Integer.MAX_VALUE);
    done.get(30, TimeUnit.SECONDS);
    assertThat(received.toByteArray()).isEqualTo(big);
  }

  private static int size(ByteArrayOutputStream b) {
    synchronized (b) {
      return b.size();
    }
  }

  @Test
  void get_replicaLostItsCopy_isRefilledFromAPeerAndServes() throws Exception {
    byte[] data = content(2 * CHUNK + 7);
    String sha = sha(data);
    put("DE", data);
    Files.delete(stored("FR", sha));

    assertThat(get(operator("FR"), sha)).isEqualTo(data);
    assertThat(stored("FR", sha)).hasBinaryContent(data);
  }

  @Test
  void get_storedCopyTamperedOnDisk_isNotServedButReplacedByAGoodCopy() throws Exception {
    byte[] data = content(CHUNK + 99);
    String sha = sha(data);
    put("DE", data);
    byte[] tampered = data.clone();
    tampered[CHUNK + 5] ^= 0x40;
    Files.write(stored("JP", sha), tampered);

    assertThat(get(as("JP", f.node("JP", "gpu-01")), sha)).isEqualTo(data);
    assertThat(stored("JP", sha)).hasBinaryContent(data);
  }

  @Test
  void fetchArtifact_tamperedCopy_isNotServedToPeers() throws Exception {
    byte[] data = content(4_000);
    String sha = sha(data);
    put("DE", data);
    byte[] tampered = data.clone();
    tampered[0] ^= 1;
    Files.write(stored("FR", sha), tampered);
    ReplicaServiceGrpc.ReplicaServiceBlockingStub fr =
        f.replicaService(as("FR", f.keys("JP", Role.COORDINATOR, "coord-jp")));

    assertThatThrownBy(
            () -> fr.fetchArtifact(GetArtifactRequest.newBuilder().setSha256(sha).build()).next())
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(stored("FR", sha)).doesNotExist();
  }

  @Test
  void stat_onAReplicaWithoutACopy_fetchesItAndAnswers() throws Exception {
    byte[] data = content(777);
    String sha = sha(data);
    put("JP", data);
    Files.delete(stored("DE", sha));

    ArtifactInfo info =
        blocking(operator("DE")).stat(StatArtifactRequest.newBuilder().setSha256(sha).build());

    assertThat(info.getSizeBytes()).isEqualTo(777);
    assertThat(info.getExisted()).isFalse();
    assertThat(info.getReplicasList()).startsWith("DE").hasSize(2);
    assertThat(stored("DE", sha)).hasBinaryContent(data);
  }

  @Test
  void getAndStat_unknownOrMalformedDigest_notFoundOrInvalid() throws Exception {
    String unknown = sha("never uploaded".getBytes());
    var stub = blocking(operator("FR"));

    assertThatThrownBy(() -> stub.stat(StatArtifactRequest.newBuilder().setSha256(unknown).build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("no live replica holds artifact " + unknown);
    assertThatThrownBy(() -> get(operator("FR"), unknown))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> get(operator("FR"), "ABC/../x"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("field 'sha256'");
  }

  @Test
  void put_headerClaimsAnotherDigest_invalidNamingBothAndNothingStoredAnywhere() throws Exception {
    List<Path> before = allStoredFiles();
    byte[] data = content(CHUNK + 1);
    String claimed = sha("what the header claims".getBytes());

    assertThatThrownBy(() -> send(operator("DE"), upload(claimed, data.length, data)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("field 'header.sha256'")
        .hasMessageContaining("declared " + claimed)
        .hasMessageContaining("content hashes to " + sha(data));
    assertThat(allStoredFiles()).hasSameElementsAs(before);
  }

  @Test
  void put_moreBytesThanDeclared_refusedAndNothingStored() throws Exception {
    List<Path> before = allStoredFiles();
    byte[] data = content(3 * CHUNK);

    assertThatThrownBy(() -> send(operator("FR"), upload(sha(data), 1000, data)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("field 'header.size_bytes'")
        .hasMessageContaining("more bytes arrived than the declared 1000");
    assertThat(allStoredFiles()).hasSameElementsAs(before);
  }

  @Test
  void put_malformedStreams_refusedWithWhatToSendInstead() throws Exception {
    List<Path> before = allStoredFiles();
    PutArtifactRequest chunk =
        PutArtifactRequest.newBuilder().setChunk(ByteString.copyFromUtf8("x")).build();

    assertThatThrownBy(() -> send(operator("DE"), List.of(chunk)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("must come first");
    assertThatThrownBy(() -> send(operator("DE"), List.of(header("", 1), header("", 1), chunk)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("sent twice");
    assertThatThrownBy(() -> send(operator("DE"), List.of()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("no header was sent");
    assertThatThrownBy(() -> send(operator("DE"), List.of(header("", 3L << 30))))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("artifact limit");
    assertThatThrownBy(
            () ->
                send(
                    operator("DE"),
                    List.of(
                        header("", CHUNK + 1),
                        PutArtifactRequest.newBuilder()
                            .setChunk(ByteString.copyFrom(new byte[CHUNK + 1]))
                            .build())))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    // The transport ends that call; the replica then drops the upload it had begun.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(allStoredFiles()).hasSameElementsAs(before));
  }

  @Test
  void put_certificateFromARootOutsideTheFederation_refusedAndNothingStored() throws Exception {
    List<Path> before = allStoredFiles();
    LocalPki impostors = LocalPki.create(CoordinatorFixture.CLOCK, "DE");
    KeyMaterial impostor = impostors.issue(new Identity("DE", Role.OPERATOR, "ops-1"));
    byte[] data = content(100);

    assertThatThrownBy(
            () ->
                send(
                    f.channel(replicas.get("DE"), f.clientContext(impostor)),
                    upload(sha(data), data.length, data)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAVAILABLE));
    assertThatThrownBy(() -> get(f.channel(replicas.get("DE"), f.anonymousContext()), sha(data)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(allStoredFiles()).hasSameElementsAs(before);
  }

  @Test
  void putAndGet_auditor_deniedBecauseItMayReadTheLedgerOnly() throws Exception {
    byte[] data = content(300);
    put("DE", data);
    ManagedChannel auditor = as("FR", f.keys("FR", Role.AUDITOR, "aud-1"));

    assertThatThrownBy(() -> send(auditor, upload(sha(data), data.length, data)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("may read the ledger and nothing else");
    assertThatThrownBy(() -> get(auditor, sha(data)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void replicaCalls_fromAnOperator_permissionDenied() throws Exception {
    byte[] data = content(200);
    put("DE", data);
    ManagedChannel ch = operator("DE");

    assertThatThrownBy(
            () ->
                f.replicaService(ch)
                    .fetchArtifact(GetArtifactRequest.newBuilder().setSha256(sha(data)).build())
                    .next())
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    byte[] other = content(10);
    assertThatThrownBy(
            () ->
                send(
                    ReplicaServiceGrpc.newStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                        ::replicateArtifact,
                    upload(sha(other), other.length, other)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(stored("DE", sha(other))).doesNotExist();
  }

  @Test
  void put_withAPeerDown_succeedsAndNamesOnlyTheHolders() throws Exception {
    String chroot = f.newChroot("artifacts-down");
    Coordinator de = f.startReplica("DE", chroot);
    Coordinator fr = f.startReplica("FR", chroot);
    CoordinatorFixture.awaitLeader(List.of(de, fr));
    byte[] data = content(5_000);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> put(de, data).getReplicasList(), r -> r.equals(List.of("DE", "FR")));

    f.stop(fr);
    byte[] more = content(6_000);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> put(de, more).getReplicasList(), r -> r.equals(List.of("DE")));
    assertThat(get(f.channel(de, f.operator("DE")), sha(more))).isEqualTo(more);
  }

  private ArtifactInfo put(Coordinator c, byte[] data) throws Exception {
    return send(f.channel(c, f.operator("DE")), upload(sha(data), data.length, data));
  }
}
