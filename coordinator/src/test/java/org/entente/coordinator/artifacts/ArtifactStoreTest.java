package org.entente.coordinator.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.entente.security.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {
  private static final byte[] CONTENT = "weights of a small model".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private ArtifactStore store;

  @BeforeEach
  void open() throws IOException {
    store = ArtifactStore.open(dir, 1 << 20);
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  static String sha(byte[] b) {
    java.security.MessageDigest d = Sha256.newDigest();
    d.update(b);
    return Sha256.hex(d);
  }

  private ArtifactStore.Stored put(String declared, long size, byte[]... chunks)
      throws IOException {
    try (ArtifactStore.Upload u = store.begin(declared, size)) {
      for (byte[] c : chunks) {
        u.write(ByteBuffer.wrap(c));
      }
      return u.commit();
    }
  }

  private static byte[] read(ArtifactStore.Read r) throws IOException {
    try (r) {
      ByteBuffer b = ByteBuffer.allocate((int) r.sizeBytes());
      while (b.hasRemaining() && r.channel().read(b) >= 0) {}
      return b.array();
    }
  }

  /** Every regular file under the store's directory, lock file aside. */
  private List<Path> files() throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals(".lock"))
          .toList();
    }
  }

  @Test
  void put_declaredDigest_storesUnderContentPathAndReadsBackVerified() throws IOException {
    String sha = sha(CONTENT);

    ArtifactStore.Stored s =
        put(sha, CONTENT.length, slice(CONTENT, 0, 7), slice(CONTENT, 7, CONTENT.length));

    assertThat(s).isEqualTo(new ArtifactStore.Stored(sha, CONTENT.length, false));
    assertThat(store.path(sha))
        .isEqualTo(dir.toAbsolutePath().resolve("sha256").resolve(sha.substring(0, 2)).resolve(sha))
        .hasBinaryContent(CONTENT);
    assertThat(store.size(sha)).contains((long) CONTENT.length);
    assertThat(read(store.openVerified(sha).orElseThrow())).isEqualTo(CONTENT);
    assertThat(files()).containsExactly(store.path(sha));
  }

  @Test
  void put_emptyDeclaredDigest_acceptsWhatArrivesAndNamesIt() throws IOException {
    ArtifactStore.Stored s = put("", CONTENT.length, CONTENT);

    assertThat(s.sha256()).isEqualTo(sha(CONTENT));
    assertThat(store.path(s.sha256())).hasBinaryContent(CONTENT);
  }

  @Test
  void put_sameContentTwice_secondSaysItExisted() throws IOException {
    put(sha(CONTENT), CONTENT.length, CONTENT);

    assertThat(put(sha(CONTENT), CONTENT.length, CONTENT).existed()).isTrue();
    assertThat(files()).hasSize(1);
  }

  @Test
  void put_emptyContent_isAnArtifactToo() throws IOException {
    ArtifactStore.Stored s = put(sha(new byte[0]), 0);

    assertThat(s.sizeBytes()).isZero();
    assertThat(read(store.openVerified(s.sha256()).orElseThrow())).isEmpty();
  }

  @Test
  void commit_digestMismatch_refusesNamingBothDigestsAndLeavesNothing() throws IOException {
    String declared = sha("something else".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> put(declared, CONTENT.length, CONTENT))
        .isInstanceOf(ArtifactRejectedException.class)
        .hasMessageContaining("declared " + declared)
        .hasMessageContaining("content hashes to " + sha(CONTENT))
        .satisfies(e -> assertThat(((ArtifactRejectedException) e).field()).isEqualTo("sha256"));
    assertThat(files()).isEmpty();
    assertThat(store.size(declared)).isEmpty();
    assertThat(store.size(sha(CONTENT))).isEmpty();
  }

  @Test
  void write_moreBytesThanDeclared_refusedAtOnceAndLeavesNothing() throws IOException {
    ArtifactStore.Upload u = store.begin(sha(CONTENT), CONTENT.length - 1);
    u.write(ByteBuffer.wrap(CONTENT, 0, 10));

    assertThatThrownBy(() -> u.write(ByteBuffer.wrap(CONTENT, 10, CONTENT.length - 10)))
        .isInstanceOf(ArtifactRejectedException.class)
        .hasMessageContaining("more bytes arrived than the declared " + (CONTENT.length - 1));
    assertThat(files()).isEmpty();
    assertThatThrownBy(u::commit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void commit_fewerBytesThanDeclared_refusedAndLeavesNothing() throws IOException {
    assertThatThrownBy(() -> put("", CONTENT.length + 1, CONTENT))
        .isInstanceOf(ArtifactRejectedException.class)
        .hasMessageContaining(
            "declared " + (CONTENT.length + 1) + " bytes, received " + CONTENT.length);
    assertThat(files()).isEmpty();
  }

  @Test
  void begin_declaredSizeOverLimit_refusedBeforeAnyByte() throws IOException {
    assertThatThrownBy(() -> store.begin("", (1 << 20) + 1))
        .isInstanceOf(ArtifactRejectedException.class)
        .hasMessageContaining("limit of 1048576 bytes")
        .satisfies(
            e -> assertThat(((ArtifactRejectedException) e).field()).isEqualTo("size_bytes"));
    assertThatThrownBy(() -> store.begin("", -1)).isInstanceOf(ArtifactRejectedException.class);
    assertThatThrownBy(() -> store.begin("ABC", 1))
        .isInstanceOf(ArtifactRejectedException.class)
        .hasMessageContaining("64 lowercase hex");
    assertThat(files()).isEmpty();
  }

  @Test
  void close_uncommittedUpload_deletesItsTemporaryFile() throws IOException {
    ArtifactStore.Upload u = store.begin("", CONTENT.length);
    u.write(ByteBuffer.wrap(CONTENT, 0, 5));
    assertThat(files()).hasSize(1);

    u.close();

    assertThat(files()).isEmpty();
  }

  @Test
  void openVerified_contentChangedOnDisk_removesTheCopyAndReportsItAbsent() throws IOException {
    String sha = put("", CONTENT.length, CONTENT).sha256();
    Path stored = store.path(sha);
    byte[] tampered = CONTENT.clone();
    tampered[3] ^= 1;
    Files.write(stored, tampered);

    assertThat(store.openVerified(sha)).isEmpty();
    assertThat(stored).doesNotExist();
  }

  @Test
  void openVerified_absent_isEmpty() throws IOException {
    assertThat(store.openVerified(sha(CONTENT))).isEmpty();
    assertThat(store.open(sha(CONTENT))).isEmpty();
  }

  @Test
  void put_sameContentConcurrently_everyUploadSucceedsAndOneCopyRemains() throws Exception {
    byte[] big = new byte[300_000];
    new java.util.SplittableRandom(7).nextBytes(big);
    String sha = sha(big);
    int uploads = 8;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(uploads);
    try {
      List<Future<ArtifactStore.Stored>> results = new ArrayList<>();
      for (int i = 0; i < uploads; i++) {
        Callable<ArtifactStore.Stored> upload =
            () -> {
              go.await();
              return put(sha, big.length, slice(big, 0, 100_000), slice(big, 100_000, big.length));
            };
        results.add(pool.submit(upload));
      }
      go.countDown();
      for (Future<ArtifactStore.Stored> r : results) {
        assertThat(r.get().sha256()).isEqualTo(sha);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(files()).containsExactly(store.path(sha));
    assertThat(read(store.openVerified(sha).orElseThrow())).isEqualTo(big);
  }

  @Test
  void open_staleTemporaryFilesFromACrash_areRemoved() throws IOException {
    ArtifactStore.Upload abandoned = store.begin("", CONTENT.length);
    abandoned.write(ByteBuffer.wrap(CONTENT, 0, 4));
    String sha = put("", CONTENT.length, CONTENT).sha256();
    // A crash: the process ends without closing the upload.
    store.close();

    store = ArtifactStore.open(dir, 1 << 20);

    assertThat(files()).containsExactly(store.path(sha));
    abandoned.close();
  }

  @Test
  void open_directoryHeldByAnotherStore_refusedWithAClearMessage() {
    assertThatThrownBy(() -> ArtifactStore.open(dir, 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("in use by another coordinator");
  }

  @Test
  void openTemporary_close_deletesTheDirectory() throws IOException {
    ArtifactStore temp = ArtifactStore.openTemporary(1 << 20);
    Path where = temp.dir();
    try (ArtifactStore.Upload u = temp.begin("", CONTENT.length)) {
      u.write(ByteBuffer.wrap(CONTENT));
      u.commit();
    }

    temp.close();

    assertThat(where).doesNotExist();
  }

  @Test
  void path_notADigest_refused() {
    assertThatThrownBy(() -> store.path("../../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Optional.of(store.dir())).contains(dir.toAbsolutePath());
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, to);
  }
}
