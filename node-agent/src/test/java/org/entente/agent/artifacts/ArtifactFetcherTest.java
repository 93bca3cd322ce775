package org.entente.agent.artifacts;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.entente.agent.shards.ArtifactException;
import org.entente.proto.v1.Artifact;
import org.entente.security.Identity;
import org.entente.security.KeyMaterial;
import org.entente.security.LocalPki;
import org.entente.security.Role;
import org.entente.security.Sha256;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The three artifact schemes against real servers: files on this host under data roots, a loopback
 * HTTPS server with a certificate from a nation CA, and an artifact service over mTLS (our own, so
 * it can lie; the real coordinators are exercised by the command-line tests).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArtifactFetcherTest {
  private static final char[] PASS = "test".toCharArray();

  private LocalPki pki;
  private HttpsServer web;
  private final Map<String, byte[]> pages = new ConcurrentHashMap<>();
  private final AtomicInteger webRequests = new AtomicInteger();
  private volatile CountDownLatch stall = new CountDownLatch(0);
  private volatile CountDownLatch halfSent = new CountDownLatch(1);
  private SSLContext trustDe;
  private FakeArtifacts store;
  private ManagedChannel channel;

  @TempDir Path dir;
  private Path cache;
  private Path deData;
  private Path shared;
  private ArtifactFetcher fetcher;
  private long seed;

  @BeforeAll
  void startServers() throws Exception {
    pki = LocalPki.create(Clock.systemUTC(), "DE");
    KeyMaterial site = pki.issue(new Identity("DE", Role.COORDINATOR, "web"), "127.0.0.1");
    web = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    web.setHttpsConfigurator(new HttpsConfigurator(serverContext(site)));
    web.setExecutor(Executors.newCachedThreadPool());
    web.createContext(
        "/",
        exchange -> {
          webRequests.incrementAndGet();
          byte[] body = pages.get(exchange.getRequestURI().getPath());
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body, 0, body.length / 2);
            out.flush();
            halfSent.countDown();
            stall.await();
            out.write(body, body.length / 2, body.length - body.length / 2);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (IOException e) {
            // The client went away.
          }
        });
    web.start();
    trustDe = trusting(pki);
    store =
        new FakeArtifacts(
            pki.issue(new Identity("DE", Role.COORDINATOR, "coordinator"), "127.0.0.1"),
            pki.issue(new Identity("DE", Role.NODE, "gpu-01")),
            pki.trust());
    channel = store.channel();
  }

  @AfterAll
  void stopServers() throws Exception {
    stall.countDown();
    web.stop(0);
    store.close();
  }

  @BeforeEach
  void newFetcher() throws IOException {
    cache = dir.resolve("cache");
    deData = Files.createDirectories(dir.resolve("data/de"));
    shared = Files.createDirectories(dir.resolve("data/shared"));
    fetcher = newFetcher(cache);
  }

  /** A fetcher whose data roots are {@code data/de} for DE and {@code data/shared} for all. */
  private ArtifactFetcher newFetcher(Path cacheDir) throws IOException {
    return new ArtifactFetcher(
        cacheDir,
        () -> channel,
        trustDe,
        1 << 22,
        List.of(
            new DataRoot(deData, Set.of("DE")), new DataRoot(shared, Set.of("DE", "FR", "JP"))));
  }

  private static SSLContext serverContext(KeyMaterial km) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("site", km.privateKey(), PASS, new Certificate[] {km.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASS);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  private static SSLContext trusting(LocalPki roots) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("root", roots.ca("DE").certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private byte[] content(int size) {
    byte[] b = new byte[size];
    new SplittableRandom(++seed).nextBytes(b);
    return b;
  }

  private static String sha(byte[] b) {
    var d = Sha256.newDigest();
    d.update(b);
    return Sha256.hex(d);
  }

  private static Artifact artifact(String uri, String sha) {
    return Artifact.newBuilder().setUri(uri).setSha256(sha).build();
  }

  private String https(String path, byte[] body) {
    pages.put(path, body);
    return "https://127.0.0.1:" + web.getAddress().getPort() + path;
  }

  /** Files in the cache directory, finished or not. */
  private List<Path> cacheFiles() throws IOException {
    try (Stream<Path> all = Files.walk(cache)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }

  // ---------------------------------------------------------------------------- file:

  private static Artifact file(Path f, byte[] data) {
    return artifact(f.toUri().toString(), sha(data));
  }

  @Test
  void fetch_fileUnderARootOfTheJobsNation_returnsAReadOnlyCopyInTheCache() throws Exception {
    byte[] data = content(5000);
    Path f = Files.write(deData.resolve("part-0.csv"), data);

    Path got = fetcher.fetch("data[0]", file(f, data), "DE");
    Path again = fetcher.fetch("data[0]", artifact("file:" + f, sha(data)), "DE");

    assertThat(got).isNotEqualTo(f).startsWith(cache).hasBinaryContent(data);
    assertThat(again).isEqualTo(got);
    assertThat(Files.getPosixFilePermissions(got)).containsExactly(OWNER_READ);
    assertThat(cacheFiles()).containsExactly(got);
  }

  @Test
  void fetch_fileChangedAfterTheFetch_theReturnedCopyKeepsWhatWasChecked() throws Exception {
    byte[] data = content(5000);
    Path f = Files.write(deData.resolve("model.pt"), data);

    Path got = fetcher.fetch("model", file(f, data), "DE");
    Files.write(f, content(5000));

    assertThat(got).hasBinaryContent(data);
  }

  @Test
  void fetch_fileOfASharedRoot_everyNationItAllowsMayReadIt() throws Exception {
    byte[] data = content(100);
    Path f = Files.write(shared.resolve("public.csv"), data);

    for (String nation : List.of("DE", "FR", "JP")) {
      assertThat(fetcher.fetch("data[1]", file(f, data), nation)).hasBinaryContent(data);
    }
  }

  @Test
  void fetch_fileOfAnotherNationsRoot_refusedWithoutSayingWhetherItExists() throws Exception {
    byte[] data = content(100);
    Path f = Files.write(deData.resolve("private.csv"), data);
    String refused = "data[0]: jobs of FR may not read " + deData + " (dataRoots allow DE)";

    assertThatThrownBy(() -> fetcher.fetch("data[0]", file(f, data), "FR"))
        .isInstanceOf(ArtifactException.class)
        .hasMessage(refused);
    assertThatThrownBy(
            () -> fetcher.fetch("data[0]", file(deData.resolve("nothing-here.csv"), data), "FR"))
        .isInstanceOf(ArtifactException.class)
        .hasMessage(refused);
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void fetch_fileOutsideEveryRoot_refused() throws Exception {
    byte[] data = content(100);
    Path f = Files.write(dir.resolve("elsewhere.csv"), data);
    String dotted = "file://" + deData + "/../../elsewhere.csv";

    assertThatThrownBy(() -> fetcher.fetch("data[0]", file(f, data), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessage("data[0]: " + f.toUri() + " is outside this agent's dataRoots");
    assertThatThrownBy(() -> fetcher.fetch("data[0]", artifact(dotted, sha(data)), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessage("data[0]: " + dotted + " is outside this agent's dataRoots");
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void fetch_symlinkLeadingOutOfItsRoot_refused() throws Exception {
    byte[] data = content(100);
    Path outside = Files.write(dir.resolve("secret.csv"), data);
    Path link = Files.createSymbolicLink(deData.resolve("innocent.csv"), outside);
    Path dirLink = Files.createSymbolicLink(deData.resolve("up"), dir);

    assertThatThrownBy(() -> fetcher.fetch("data[0]", file(link, data), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessageEndingWith(" is outside this agent's dataRoots");
    assertThatThrownBy(
            () -> fetcher.fetch("data[0]", file(dirLink.resolve("secret.csv"), data), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessageEndingWith(" is outside this agent's dataRoots");
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void fetch_symlinkFromASharedRootIntoAnotherNationsRoot_refused() throws Exception {
    byte[] data = content(100);
    Path f = Files.write(deData.resolve("rows.csv"), data);
    Path link = Files.createSymbolicLink(shared.resolve("rows.csv"), f);

    assertThatThrownBy(() -> fetcher.fetch("data[0]", file(link, data), "FR"))
        .isInstanceOf(ArtifactException.class)
        .hasMessage("data[0]: jobs of FR may not read " + deData + " (dataRoots allow DE)");
    assertThat(fetcher.fetch("data[0]", file(link, data), "DE")).hasBinaryContent(data);
  }

  @Test
  void fetch_fileWithoutDataRootsOrWithoutANation_refusedSayingWhy() throws Exception {
    byte[] data = content(100);
    Path f = Files.write(deData.resolve("part-9.csv"), data);
    ArtifactFetcher none =
        new ArtifactFetcher(dir.resolve("other-cache"), () -> channel, trustDe, 1 << 20);

    assertThatThrownBy(() -> none.fetch("data[0]", file(f, data), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("data[0]: " + f.toUri() + ": this agent reads no files")
        .hasMessageContaining("dataRoots in agent.yaml");
    assertThatThrownBy(() -> fetcher.fetch("data[0]", file(f, data)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("names no nation");
  }

  @Test
  void fetch_fileTampered_mismatchNamesOnlyTheDeclaredDigestAndLogsTheActualOne() throws Exception {
    byte[] data = content(5000);
    Path f = Files.write(deData.resolve("part-1.csv"), data);
    String declared = sha(data);
    data[10] ^= 1;
    Files.write(f, data);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger log = (Logger) LoggerFactory.getLogger(VerifiedFile.class);
    log.addAppender(logged);
    try {
      assertThatThrownBy(
              () -> fetcher.fetch("data[0]", artifact(f.toUri().toString(), declared), "DE"))
          .isInstanceOf(ArtifactException.class)
          .hasMessage(mismatch("data[0]", declared))
          .message()
          .doesNotContain(sha(data));
    } finally {
      log.detachAppender(logged);
    }
    assertThat(logged.list)
        .anySatisfy(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.WARN);
              assertThat(e.getFormattedMessage()).contains(declared).contains(sha(data));
            });
    assertThat(cacheFiles()).isEmpty();
  }

  private static String mismatch(String label, String declared) {
    return label
        + ": digest mismatch: declared "
        + declared
        + "; the content differs (its digest is in the agent's log)";
  }

  @Test
  void fetch_missingOrRelativeFile_saysWhat() {
    String any = sha(new byte[0]);
    String missing = deData.resolve("no-such-model.bin").toUri().toString();

    assertThatThrownBy(() -> fetcher.fetch("model", artifact(missing, any), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessage("model: " + missing + ": no such file on this host");
    assertThatThrownBy(() -> fetcher.fetch("model", artifact("file:model.bin", any), "DE"))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("absolute path");
  }

  @Test
  void fetch_unsupportedSchemeOrBadDigest_refusedClearly() {
    String any = sha(new byte[0]);

    assertThatThrownBy(() -> fetcher.fetch("data[2]", artifact("http://example.org/x", any)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("data[2]: unsupported URI")
        .hasMessageContaining("scheme 'http'")
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> fetcher.fetch("data[2]", artifact("s3://bucket/x", any)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("scheme 's3'");
    assertThatThrownBy(() -> fetcher.fetch("model", artifact("file:/x", "ABCD")))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("model: sha256 must be 64 lowercase hex characters");
  }

  // ---------------------------------------------------------------------------- https:

  @Test
  void fetch_https_downloadsVerifiesAndCachesSoTheSecondFetchIsFree() throws Exception {
    byte[] data = content(300_000);
    String uri = https("/models/a.bin", data);
    int before = webRequests.get();

    Path got = fetcher.fetch(artifact(uri, sha(data)));
    Path again = fetcher.fetch(artifact(uri, sha(data)));

    assertThat(got).isEqualTo(fetcher.cached(sha(data))).hasBinaryContent(data);
    assertThat(again).isEqualTo(got);
    assertThat(webRequests.get() - before).isEqualTo(1);
    assertThat(cacheFiles()).containsExactly(got);
    assertThat(Files.getPosixFilePermissions(got)).containsExactly(OWNER_READ);
  }

  @Test
  void fetch_cacheEntryMadeWritableAndChanged_isDetectedAndFetchedAgain() throws Exception {
    byte[] data = content(50_000);
    String uri = https("/models/tampered.bin", data);
    Path got = fetcher.fetch(artifact(uri, sha(data)));
    int before = webRequests.get();

    Files.setPosixFilePermissions(got, Set.of(OWNER_READ, OWNER_WRITE));
    byte[] other = data.clone();
    other[7] ^= 1;
    Files.write(got, other);
    Path again = fetcher.fetch(artifact(uri, sha(data)));

    assertThat(again).isEqualTo(got).hasBinaryContent(data);
    assertThat(Files.getPosixFilePermissions(again)).containsExactly(OWNER_READ);
    assertThat(webRequests.get() - before).isEqualTo(1);
  }

  @Test
  void fetch_afterARestart_anIntactEntryIsReusedAndAChangedOneFetchedAgain() throws Exception {
    byte[] intact = content(40_000);
    byte[] changed = content(40_000);
    String intactUri = https("/models/intact.bin", intact);
    String changedUri = https("/models/changed.bin", changed);
    fetcher.fetch(artifact(intactUri, sha(intact)));
    Path entry = fetcher.fetch(artifact(changedUri, sha(changed)));
    // Changed behind the agent's back, then sealed again with the same size.
    Files.setPosixFilePermissions(entry, Set.of(OWNER_READ, OWNER_WRITE));
    Files.write(entry, content(40_000));
    Files.setPosixFilePermissions(entry, Set.of(OWNER_READ));
    int before = webRequests.get();

    ArtifactFetcher restarted = newFetcher(cache);

    assertThat(restarted.fetch(artifact(intactUri, sha(intact)))).hasBinaryContent(intact);
    assertThat(webRequests.get() - before).isZero();
    assertThat(restarted.fetch(artifact(changedUri, sha(changed)))).hasBinaryContent(changed);
    assertThat(webRequests.get() - before).isEqualTo(1);
  }

  @Test
  void fetch_aCopyOfAHostFile_isNeverReusedForADownloadOfTheSameDigest() throws Exception {
    byte[] data = content(1000);
    Path f = Files.write(deData.resolve("private.csv"), data);
    fetcher.fetch("data[0]", file(f, data), "DE");

    // A job that knows the digest cannot get the copy through another scheme.
    assertThatThrownBy(
            () -> fetcher.fetch("data[0]", artifact("entente:artifacts/" + sha(data), sha(data))))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("no coordinator replica holds it");
  }

  @Test
  void fetch_httpsWrongContent_mismatchAndNothingCached() throws Exception {
    byte[] data = content(20_000);
    String uri = https("/models/b.bin", data);
    String declared = sha(content(10));

    assertThatThrownBy(() -> fetcher.fetch("model", artifact(uri, declared)))
        .isInstanceOf(ArtifactException.class)
        .hasMessage(mismatch("model", declared));
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void fetch_httpsNotFoundOrTooLarge_refusedAndNothingCached() throws Exception {
    String missing = "https://127.0.0.1:" + web.getAddress().getPort() + "/nothing-here";
    byte[] big = content((1 << 22) + 1);
    String bigUri = https("/models/big.bin", big);

    assertThatThrownBy(() -> fetcher.fetch("model", artifact(missing, sha(big))))
        .isInstanceOf(ArtifactException.class)
        .hasMessage("model: " + missing + ": HTTP 404");
    assertThatThrownBy(() -> fetcher.fetch("model", artifact(bigUri, sha(big))))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("declares " + big.length + " bytes")
        .hasMessageContaining("limit of " + (1 << 22));
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void fetch_httpsServerNotTrusted_refused() throws Exception {
    byte[] data = content(100);
    String uri = https("/models/c.bin", data);
    ArtifactFetcher strict =
        new ArtifactFetcher(
            dir.resolve("other-cache"),
            () -> channel,
            trusting(LocalPki.create(Clock.systemUTC(), "DE")),
            1 << 20);

    assertThatThrownBy(() -> strict.fetch("model", artifact(uri, sha(data))))
        .isInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("model: " + uri + ": ");
    assertThat(strict.cached(sha(data))).doesNotExist();
  }

  @Test
  void fetch_interruptedMidDownload_throwsInterruptedAndLeavesNothing() throws Exception {
    byte[] data = content(1 << 21);
    String uri = https("/models/slow.bin", data);
    stall = new CountDownLatch(1);
    halfSent = new CountDownLatch(1);
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      Future<Path> f = worker.submit(() -> fetcher.fetch("model", artifact(uri, sha(data))));
      // The server has sent half and waits: the fetch is now blocked on the rest.
      assertThat(halfSent.await(10, TimeUnit.SECONDS)).isTrue();
      worker.shutdownNow();

      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InterruptedException.class);
    } finally {
      stall.countDown();
      worker.shutdownNow();
    }
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void download_stallsAfterSomeBytes_failsAfterTheIdleTimeoutAndLeavesNothing() throws Exception {
    byte[] data = content(1 << 21);
    String uri = https("/models/stalled.bin", data);
    stall = new CountDownLatch(1);
    halfSent = new CountDownLatch(1);
    // Well above a loaded machine's scheduling pauses: a shorter idle limit can fire while the
    // first half is still streaming, and then the stall this test is about never happens.
    HttpsDownloader web = new HttpsDownloader(trustDe, 1 << 22, Duration.ofSeconds(2));
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      Future<Path> f =
          worker.submit(
              () ->
                  web.download(
                      "model", java.net.URI.create(uri), sha(data), fetcher.cached(sha(data))));
      assertThat(halfSent.await(10, TimeUnit.SECONDS)).isTrue();

      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(ArtifactException.class)
          .hasMessage(
              "model: " + uri + ": nothing received for 2 s; download abandoned, nothing was kept");
    } finally {
      stall.countDown();
      worker.shutdownNow();
    }
    assertThat(cacheFiles()).isEmpty();
  }

  // ---------------------------------------------------------------------------- entente:

  @Test
  void fetch_entente_downloadsOverMtlsVerifiesAndCaches() throws Exception {
    byte[] data = content(3 * (1 << 20) + 17);
    String sha = sha(data);
    store.content.put(sha, data);
    int before = store.gets.get();

    Path got = fetcher.fetch(artifact("entente:artifacts/" + sha, sha));
    Path again = fetcher.fetch(artifact("entente:artifacts/" + sha, sha));

    assertThat(got).isEqualTo(fetcher.cached(sha)).hasBinaryContent(data);
    assertThat(again).isEqualTo(got);
    assertThat(store.gets.get() - before).isEqualTo(1);
    assertThat(store.callers).contains("DE/node/gpu-01");
  }

  @Test
  void fetch_ententeServerSendsOtherBytes_mismatchAndNothingCached() throws Exception {
    byte[] data = content(1 << 20);
    String sha = sha(content(64));
    store.content.put(sha, data);

    assertThatThrownBy(() -> fetcher.fetch("data[0]", artifact("entente:artifacts/" + sha, sha)))
        .isInstanceOf(ArtifactException.class)
        .hasMessage(mismatch("data[0]", sha));
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void fetch_ententeUnknownOrInconsistentUri_saysWhat() {
    String sha = sha(content(8));
    String other = sha(content(9));

    assertThatThrownBy(() -> fetcher.fetch("model", artifact("entente:artifacts/" + sha, sha)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining(
            "model: entente:artifacts/" + sha + ": no coordinator replica holds it");
    assertThatThrownBy(() -> fetcher.fetch("model", artifact("entente:artifacts/" + other, sha)))
        .isInstanceOf(ArtifactException.class)
        .hasMessage("model: the URI names " + other + " but sha256 declares " + sha);
    assertThatThrownBy(() -> fetcher.fetch("model", artifact("entente:models/" + sha, sha)))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("entente:artifacts/<sha256>");
  }

  @Test
  void newFetcher_unfinishedDownloadsFromACrash_areRemoved() throws IOException {
    Path part = cache.resolve("sha256/ab/.abcd.123" + VerifiedFile.PART);
    Files.createDirectories(part.getParent());
    Files.write(part, new byte[] {1, 2, 3});

    new ArtifactFetcher(cache, () -> channel, trustDe, 1 << 20);

    assertThat(part).doesNotExist();
  }

  // ---------------------------------------------------------------------------- uploads

  @Test
  void upload_sendsHeaderWithDigestAndSizeThenChunksThatFitTheMessageLimit() throws Exception {
    byte[] data = content(2 * (1 << 20) + 5);
    Path f = Files.write(dir.resolve("output.jsonl"), data);

    var out = new ArtifactUploader(() -> channel).upload(f);

    assertThat(out.getSha256()).isEqualTo(sha(data));
    assertThat(out.getSizeBytes()).isEqualTo(data.length);
    assertThat(store.headers).anySatisfy(h -> assertThat(h.getSha256()).isEqualTo(sha(data)));
    assertThat(store.content.get(sha(data))).isEqualTo(data);
    assertThat(store.chunkSizes).allSatisfy(n -> assertThat(n).isLessThan(1 << 20));
  }
}
